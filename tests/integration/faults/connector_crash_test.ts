/**
 * A worker that dies between a connector's answer and the record of it, for each connector:
 * with `FAULT_INJECT=exit_after_connector_call` (exits at that very point) and with SIGKILL
 * (`pause_after_connector_call` holds it there first). Another worker takes the payouts over:
 * the simulated connector pays each once and the payouts complete; sepa_file records each
 * transfer once, puts it in exactly one file for the real sshd, and the bank's pain.002
 * completes each once.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { PAUSED_MESSAGE } from "../../../src/connectors/fault_injection.ts";
import { buildPain002 } from "../../../src/connectors/sepa_file/pain002_builder.ts";
import { endToEndIdFor } from "../../../src/connectors/sepa_file/sepa_ids.ts";
import { randomIban, sepaEnv } from "../../helpers/sepa_fixtures.ts";
import { insertSepaPayout } from "../../helpers/sepa_payouts.ts";
import { type SftpServer, startSftpServer } from "../../../scripts/bank/sftp_server.ts";
import { waitFor } from "../../helpers/wait.ts";
import type { ChildProcess } from "../../helpers/processes.ts";
import {
  appendJobs,
  assertEachCompletedAndPaidOnce,
  createRig,
  DEADLINE_MS,
  explained,
  type FaultRig,
  seedPayouts,
  statusCounts,
  waitForOutput,
  waitForStatus,
} from "./fault_fixtures.ts";

const COUNT = 5;

type Kill = "exit_after_connector_call" | "SIGKILL";

/** Starts worker A with the fault for `kill`, and waits until it died after a connector call. */
async function crashWorkerA(rig: FaultRig, kill: Kill, env: Record<string, string>, tag: string) {
  const a = rig.spawn("worker.ts", {
    ...env,
    WORKER_NAME: `a-${tag}`,
    FAULT_INJECT: kill === "SIGKILL" ? "pause_after_connector_call" : kill,
  });
  if (kill === "SIGKILL") {
    await waitForOutput(a, PAUSED_MESSAGE);
    const status = await a.stop("SIGKILL");
    assert.equal(status.signal, "SIGKILL");
  } else {
    const status = await explained(
      Promise.race([
        a.status,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("worker A did not exit")), DEADLINE_MS)
        ),
      ]),
      () => a.output().slice(-3000),
    );
    assert.equal(status.code, 86, a.output().slice(-3000));
  }
  return a;
}

async function stopCleanly(worker: ChildProcess) {
  const status = await worker.stop("SIGTERM");
  assert.equal(status.code, 0, worker.output().slice(-3000));
}

for (const kill of ["exit_after_connector_call", "SIGKILL"] as const) {
  Deno.test(`simulated: a worker killed (${kill}) after the connector paid: each payout paid once, completed`, async () => {
    const rig = await createRig();
    try {
      const { sql } = rig.db;
      const ids = await seedPayouts(rig, COUNT);
      const tag = crypto.randomUUID().slice(0, 8);
      await crashWorkerA(rig, kill, {}, tag);
      // The crash came after a payment and before its record: some payout is paid and not
      // completed, or this test would prove nothing.
      const [{ n }] = await sql<{ n: number }[]>`
        select count(*)::int as n from provider_calls c join payouts p on p.id = c.payout_id
        where c.outcome = 'paid' and p.status = 'processing'
      `;
      assert.ok(
        n > 0,
        `no paid payout left in processing: ${JSON.stringify(await statusCounts(sql))}`,
      );

      const b = rig.spawn("worker.ts", { WORKER_NAME: `b-${tag}` });
      await waitForStatus(sql, "completed", COUNT);
      await assertEachCompletedAndPaidOnce(sql, ids);
      await stopCleanly(b);
    } finally {
      await rig.close();
    }
  });

  Deno.test(`sepa_file: a worker killed (${kill}) after the connector accepted: one transfer, one file, completed once`, async () => {
    const rig = await createRig();
    const server = await startSftpServer();
    const keyFile = await Deno.makeTempFile({ suffix: ".key" });
    try {
      const { sql } = rig.db;
      await Deno.writeTextFile(keyFile, server.privateKey, { mode: 0o600 });
      const env = sepaEnv(server, { keyFile, cutoffMs: 500, pollMs: 200 });
      const ids: string[] = [];
      for (let i = 0; i < COUNT; i++) {
        ids.push(
          await insertSepaPayout(sql, { iban: randomIban(), amountMinor: 1000n + BigInt(i) }),
        );
      }
      await sql`delete from payout_outbox`;
      await appendJobs(rig, ids);
      const tag = crypto.randomUUID().slice(0, 8);
      await crashWorkerA(rig, kill, env, tag);
      const [{ accepted, submitted }] = await sql<{ accepted: number; submitted: number }[]>`
        select count(*)::int as accepted,
          count(*) filter (where p.submitted_at is not null)::int as submitted
        from sepa_payments s join payouts p on p.id = s.payout_id
      `;
      assert.ok(accepted > submitted, `nothing accepted and unrecorded: ${accepted}/${submitted}`);

      const b = rig.spawn("worker.ts", { ...env, WORKER_NAME: `b-${tag}` });
      const files = await waitForFiles(sql, ids, b);
      // The bank accepts every file it received.
      for (const file of files) {
        await Deno.writeTextFile(
          `${server.root}/outbound/status-${file.msg_id}.xml`,
          buildPain002({
            messageId: `STS-${file.msg_id.slice(0, 20)}`,
            createdAt: new Date(),
            originalMessageId: file.msg_id,
            groupStatus: "ACSC",
          }),
        );
      }
      await waitForStatus(sql, "completed", COUNT);
      await assertEachInOneFileCompletedOnce(sql, server, ids);
      await stopCleanly(b);
    } finally {
      await rig.close();
      await server.stop();
      await Deno.remove(keyFile);
    }
  });
}

/** Waits until every payout's transfer is in an uploaded file; returns those files. */
async function waitForFiles(sql: postgres.Sql, ids: string[], worker: ChildProcess) {
  let files: { id: string; msg_id: string; status: string }[] = [];
  let unassigned = -1;
  await explained(
    waitFor(async () => {
      [{ n: unassigned }] = await sql<{ n: number }[]>`
        select count(*)::int as n from payouts
        where id = any(${ids}::uuid[]) and sepa_file_id is null
      `;
      files = [
        ...await sql<{ id: string; msg_id: string; status: string }[]>`
        select id, msg_id, status from sepa_files order by created_at
      `,
      ];
      return unassigned === 0 && files.every((file) => file.status === "uploaded");
    }, { timeoutMs: DEADLINE_MS, intervalMs: 200, message: "every transfer in an uploaded file" }),
    () =>
      `unassigned: ${unassigned}, files: ${JSON.stringify(files)}\n${worker.output().slice(-3000)}`,
  );
  return files;
}

/**
 * Each payout: one accepted transfer, in exactly one file (on the bank's server too), and
 * completed exactly once; nothing paid through the simulated connector.
 */
async function assertEachInOneFileCompletedOnce(
  sql: postgres.Sql,
  server: SftpServer,
  ids: string[],
) {
  const payments = await sql<{ payout_id: string; file_id: string; sepa_file_id: string }[]>`
    select s.payout_id, s.file_id, p.sepa_file_id from sepa_payments s
    join payouts p on p.id = s.payout_id
  `;
  assert.deepEqual(payments.map((row) => row.payout_id).sort(), [...ids].sort(), "one each");
  for (const row of payments) assert.equal(row.file_id, row.sepa_file_id);
  const received = [...Deno.readDirSync(`${server.root}/inbound`)]
    .map((entry) => Deno.readTextFileSync(`${server.root}/inbound/${entry.name}`));
  for (const id of ids) {
    const e2e = `<EndToEndId>${endToEndIdFor(id)}</EndToEndId>`;
    const inFiles = received.filter((xml) => xml.includes(e2e)).length;
    assert.equal(inFiles, 1, `payout ${id} is in ${inFiles} files the bank received`);
  }
  const completions = await sql<{ payout_id: string; n: number }[]>`
    select payout_id, count(*)::int as n from payout_events
    where type = 'status_changed' and to_status = 'completed' group by payout_id
  `;
  assert.equal(completions.length, ids.length);
  assert.ok(completions.every((row) => row.n === 1), JSON.stringify(completions));
  const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from provider_calls`;
  assert.equal(n, 0, "nothing went through the simulated connector");
  const counts = await statusCounts(sql);
  assert.deepEqual(counts, { completed: ids.length });
}
