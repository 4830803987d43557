/**
 * The SEPA rail as a developer watches it: a real API and a real worker configured for
 * `sepa_file` against the test bank (a real sshd drop answering with pain.002 and camt.054).
 * Stored recipients, payouts by `recipient_id`, one file at the cut-off, and each payout's end:
 * completed, failed with the bank's reason, or completed and then returned.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { checksumIBAN } from "sepa";
import { openBank } from "../../scripts/bank/bank.ts";
import { startSftpServer } from "../../scripts/bank/sftp_server.ts";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { type ChildProcess, freePort, spawnEntrypoint } from "../helpers/processes.ts";
import { createTestStreams, streamEnv } from "../helpers/redis.ts";
import { sepaEnv } from "../helpers/sepa_fixtures.ts";
import { waitFor } from "../helpers/wait.ts";

/** A valid German IBAN whose bank code starts with `bank` (so the bank's patterns pick it). */
function iban(bank: string): string {
  const digits = Array.from({ length: 18 - bank.length }, () => Math.floor(Math.random() * 10));
  return checksumIBAN(`DE00${bank}${digits.join("")}`);
}

Deno.test("SEPA payouts by recipient go out in a file and end as the bank answers: paid, rejected, returned", async () => {
  const db = await createTestDatabase();
  const streams = createTestStreams();
  const server = await startSftpServer();
  const stopBank = new AbortController();
  const children: ChildProcess[] = [];
  let bankRun: Promise<void> | undefined;
  try {
    const bank = await openBank({
      inboundDir: join(server.root, "inbound"),
      outboundDir: join(server.root, "outbound"),
      rootDir: server.dir,
      rules: { rejectIban: /^DE\d{2}1111/, returnIban: /^DE\d{2}2222/ },
      returnAfterMs: 200,
      log: () => {},
    });
    bankRun = bank.run(stopBank.signal, 50);

    const env = {
      DATABASE_URL: db.url,
      ...streamEnv(streams.names),
      ...sepaEnv(server, { cutoffMs: 300, pollMs: 100 }),
    };
    const port = freePort();
    children.push(spawnEntrypoint("worker.ts", env));
    const api = spawnEntrypoint("main.ts", { ...env, PORT: String(port), HOST: "127.0.0.1" });
    children.push(api);
    const base = `http://127.0.0.1:${port}`;
    const { key } = await new ApiKeyService(db.sql).create(`rails-${crypto.randomUUID()}`);
    const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
    await waitFor(async () => {
      const response = await fetch(`${base}/health/`).catch(() => undefined);
      await response?.body?.cancel();
      return response?.ok ?? false;
    }, { message: `the API to be healthy\n${api.output()}` });

    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 201, await response.clone().text());
      return await response.json();
    };
    const payTo = async (name: string, account: string, amount: string) => {
      const recipient = await post("/api/recipients/", {
        name,
        type: "sepa",
        account: { iban: account },
      });
      return await post("/api/payouts/", { amount, currency: "EUR", recipient_id: recipient.id });
    };
    const paid = await payTo("Erika Mustermann", iban("3333"), "125.50");
    const rejected = await payTo("Max Mustermann", iban("1111"), "10.00");
    const returned = await payTo("Anna Schmidt", iban("2222"), "70.01");

    const settled = async (id: string, status: string) =>
      await waitFor(async () => {
        const response = await fetch(`${base}/api/payouts/${id}/`, { headers });
        const body = await response.json();
        return body.status === status ? body : undefined;
      }, { timeoutMs: 60_000, message: `payout ${id} to be ${status}\n${children[0].output()}` });

    const done = await settled(paid.id, "completed");
    assert.equal(done.connector, "sepa_file");
    assert.equal(
      done.recipient_details.account,
      `•••• ${paid.recipient_details.account.slice(-4)}`,
    );
    const refused = await settled(rejected.id, "failed");
    assert.match(refused.failure_reason, /AC01/);
    const back = await settled(returned.id, "returned");
    assert.match(back.return_reason, /AC04/);

    // The files (one, unless the cut-off fell between the creates) hold each transfer once,
    // with exact sums, and every one of them reached the bank.
    const [files] = await db.sql<{ payments: number; total: string; uploaded: boolean }[]>`
      select sum(payments_count)::int as payments, sum(ctrl_sum)::text as total,
        bool_and(status = 'uploaded') as uploaded
      from sepa_files
    `;
    assert.deepEqual({ ...files }, { payments: 3, total: "205.51", uploaded: true });
    const [{ transfers }] = await db.sql<{ transfers: number }[]>`
      select count(distinct payout_id)::int as transfers from sepa_payments where file_id is not null
    `;
    assert.equal(transfers, 3);

    const events = await (await fetch(`${base}/api/payouts/${returned.id}/events/`, { headers }))
      .json();
    const moves = events.results
      .filter((event: { type: string }) => event.type === "status_changed")
      .map((event: { to_status: string }) => event.to_status);
    // The return may be read before the acceptance (reports listed in the same second go by
    // name), so the last move is the return, from completed or straight from processing.
    assert.equal(moves.at(-1), "returned");
    assert.ok(!moves.includes("failed"), `moves: ${moves}`);
  } finally {
    for (const child of children) await child.stop();
    stopBank.abort();
    await bankRun;
    await server.stop();
    await streams.cleanup();
    await db.drop();
  }
});
