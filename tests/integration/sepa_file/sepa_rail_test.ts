/**
 * The SEPA credit-transfer rail end to end, in process, against the real Postgres and a real
 * OpenSSH server: payouts to SEPA recipients are submitted, go out in a pain.001 file at the
 * cut-off (or at once when a file is full), the file reaches the bank's inbound folder, and
 * the bank's pain.002 and camt.054 reports, dropped into its outbound folder, complete, fail
 * and return them, each exactly once.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { buildCamt054 } from "../../../src/connectors/sepa_file/camt054_builder.ts";
import { buildPain002 } from "../../../src/connectors/sepa_file/pain002_builder.ts";
import { SepaFileConnector } from "../../../src/connectors/sepa_file/sepa_file_connector.ts";
import {
  type ReportDecision,
  SepaRunner,
  type SepaRunnerOptions,
} from "../../../src/connectors/sepa_file/sepa_runner.ts";
import { endToEndIdFor, msgIdFor } from "../../../src/connectors/sepa_file/sepa_ids.ts";
import { sftpDropOpener } from "../../../src/connectors/sepa_file/sftp_drop.ts";
import { DEFAULT_SEPA_RULES, Router } from "../../../src/connectors/routing.ts";
import { SimulatedConnector } from "../../../src/connectors/simulated/simulated_connector.ts";
import { silentLogger } from "../../../src/log.ts";
import { type JobHooks, PayoutProcessor } from "../../../src/worker/payout_processor.ts";
import { withTestDatabase } from "../../helpers/database.ts";
import { DEBTOR, randomIban } from "../../helpers/sepa_fixtures.ts";
import { insertSepaPayout, type SepaPayoutFields } from "../../helpers/sepa_payouts.ts";
import type { SftpServer } from "../../../scripts/bank/sftp_server.ts";
import { assertValidAgainstXsd, PAIN001_XSD } from "../../helpers/xmllint.ts";
import { waitFor } from "../../helpers/wait.ts";
import { createEndpoint } from "../webhooks/webhook_fixtures.ts";
import { dropConfig, inboundNames, inboundPath, withSftpServer } from "./sepa_fixtures.ts";

const hooks = (): JobHooks => ({
  stopping: new AbortController().signal,
  beforeBackoff() {},
  afterBackoff: async () => {},
});

interface Rig {
  sql: postgres.Sql;
  server: SftpServer;
  /** Creates a SEPA payout and has the worker submit it; returns its id. */
  submit(fields?: Partial<SepaPayoutFields>): Promise<string>;
  /** A runner on this rig: its rounds are called by the tests, its loops never started. */
  runner(options?: Partial<SepaRunnerOptions>): SepaRunner;
  /** Drops a report into the bank's outbound folder. */
  drop(name: string, xml: string): Promise<void>;
  /** Every report decision the runners told their hooks, in order. */
  decisions: [string, ReportDecision][];
  confirmations: number[];
}

async function withRig(fn: (rig: Rig) => Promise<void>): Promise<void> {
  await withSftpServer((server) =>
    withTestDatabase(async ({ sql }) => {
      const connectors = [
        new SimulatedConnector(sql, { latencyMs: 0, failureRate: 0 }),
        new SepaFileConnector(sql, { debtor: DEBTOR }),
      ];
      const processor = new PayoutProcessor(sql, new Router(DEFAULT_SEPA_RULES, connectors), {
        workerId: "worker:rail",
        leaseMs: 30_000,
        maxAttempts: 3,
        retryBaseMs: 1,
        retryMaxMs: 2,
      });
      const decisions: [string, ReportDecision][] = [];
      const confirmations: number[] = [];
      await fn({
        sql,
        server,
        decisions,
        confirmations,
        async submit(fields = {}) {
          const id = await insertSepaPayout(sql, { iban: randomIban(), ...fields });
          assert.deepEqual(await processor.process(id, hooks()), {
            result: "submitted",
            attempts: 1,
          });
          return id;
        },
        runner: (options = {}) =>
          new SepaRunner({
            sql,
            openDrop: sftpDropOpener(dropConfig(server)),
            log: silentLogger,
            hooks: {
              onReport: (kind, decision) => decisions.push([kind, decision]),
              onConfirmation: (seconds) => confirmations.push(seconds),
            },
          }, {
            worker: "worker:rail",
            debtor: DEBTOR,
            cutoffMs: 0,
            maxPayments: 1000,
            pollMs: 100,
            ...options,
          }),
        drop: (name, xml) => Deno.writeTextFile(`${server.root}/outbound/${name}`, xml),
      });
    })
  );
}

async function payout(sql: postgres.Sql, id: string) {
  const [row] = await sql<{
    status: string;
    failure_reason: string | null;
    return_reason: string | null;
    connector: string | null;
    sepa_file_id: string | null;
    version: number;
  }[]>`
    select status, failure_reason, return_reason, connector, sepa_file_id, version
    from payouts where id = ${id}
  `;
  return { ...row };
}

async function eventCount(sql: postgres.Sql): Promise<number> {
  const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from payout_events`;
  return n;
}

/** The event that moved payout `id` into `status`. */
async function eventInto(sql: postgres.Sql, id: string, status: string) {
  const [event] = await sql<
    { actor: string; from_status: string; detail: Record<string, string> }[]
  >`
    select actor, from_status, detail from payout_events
    where payout_id = ${id} and to_status = ${status}
  `;
  return event;
}

async function webhookTypes(sql: postgres.Sql, id: string): Promise<string[]> {
  const rows = await sql<{ event_type: string }[]>`
    select event_type from webhook_messages where payout_id = ${id} order by created_at, id
  `;
  return rows.map((row) => row.event_type);
}

async function reports(sql: postgres.Sql) {
  const rows = await sql<{ name: string; kind: string; outcome: string | null }[]>`
    select name, kind, outcome from bank_reports order by received_at, name
  `;
  return rows.map((row) => ({ ...row }));
}

const texts = (xml: string, element: string) =>
  [...xml.matchAll(new RegExp(`<${element}>([^<]*)</${element}>`, "g"))].map((m) => m[1]);

Deno.test("SEPA payouts go out in valid, exact files at the cut-off, and the bank's reports decide each once", async () => {
  await withRig(async (rig) => {
    const { sql } = rig;
    await createEndpoint(sql, "https://hooks.example.com/all");
    const accepted = await rig.submit({ amountMinor: 12_550n, bic: "COBADEFFXXX" });
    const rejected = await rig.submit({ amountMinor: 1n, description: "Bonus März" });
    const third = await rig.submit({ amountMinor: 99_999n, name: "Zoë Ångström" });

    // Not due: three transfers, the oldest younger than the cut-off.
    assert.deepEqual(await rig.runner({ cutoffMs: 3_600_000 }).buildFiles(), []);
    // A full file goes at once, whatever the cut-off: the two oldest.
    const [full] = await rig.runner({ cutoffMs: 3_600_000, maxPayments: 2 }).buildFiles();
    assert.equal(full.paymentsCount, 2);
    assert.equal(full.ctrlSum, "125.51");
    // Past the cut-off, the rest, however few.
    const [late] = await rig.runner().buildFiles();
    assert.equal(late.paymentsCount, 1);
    assert.deepEqual(await rig.runner().buildFiles(), [], "every transfer is in a file");

    for (const [id, file] of [[accepted, full], [rejected, full], [third, late]] as const) {
      const row = await payout(sql, id);
      assert.equal(row.sepa_file_id, file.id);
      assert.equal(row.status, "processing");
    }

    const outcomes = await rig.runner().uploadFiles();
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ["uploaded", "uploaded"]);
    assert.deepEqual(inboundNames(rig.server), [full.name, late.name].sort());
    const fullXml = await Deno.readTextFile(inboundPath(rig.server, full.name));
    await assertValidAgainstXsd(fullXml, PAIN001_XSD);
    assert.deepEqual(texts(fullXml, "NbOfTxs"), ["2", "2"]);
    assert.deepEqual(texts(fullXml, "CtrlSum"), ["125.51", "125.51"]);
    assert.deepEqual(texts(fullXml, "MsgId"), [msgIdFor(full.id)]);
    assert.deepEqual(texts(fullXml, "EndToEndId"), [
      endToEndIdFor(accepted),
      endToEndIdFor(rejected),
    ]);
    assert.deepEqual(texts(fullXml, "Ustrd"), ["Bonus Marz"]);
    assert.deepEqual(texts(fullXml, "Dt"), [new Date().toISOString().slice(0, 10)]);
    const lateXml = await Deno.readTextFile(inboundPath(rig.server, late.name));
    await assertValidAgainstXsd(lateXml, PAIN001_XSD);
    assert.deepEqual(texts(lateXml, "CtrlSum"), ["999.99", "999.99"]);
    assert.match(lateXml, /<Nm>Zoe Angstrom<\/Nm>/);

    // The bank accepts one transfer of the first file and rejects the other.
    const status = buildPain002({
      messageId: "STS-0001",
      createdAt: new Date(),
      originalMessageId: msgIdFor(full.id),
      groupStatus: "PART",
      paymentInfos: [{
        originalPaymentInfoId: msgIdFor(full.id),
        status: "PART",
        transactions: [
          { originalEndToEndId: endToEndIdFor(accepted), status: "ACSC" },
          {
            originalEndToEndId: endToEndIdFor(rejected),
            status: "RJCT",
            reasonCode: "AC01",
            additionalInfo: "IBAN unknown at the creditor bank",
          },
          { originalEndToEndId: endToEndIdFor(crypto.randomUUID()), status: "ACSC" },
        ],
      }],
    });
    await rig.drop("status-0001.xml", status);
    const round = await rig.runner().pickUpReports();
    assert.deepEqual(round.applied, ["status-0001.xml"]);
    assert.deepEqual(await payout(sql, accepted), {
      ...(await payout(sql, accepted)),
      status: "completed",
      failure_reason: null,
      connector: "sepa_file",
    });
    const failed = await payout(sql, rejected);
    assert.equal(failed.status, "failed");
    assert.equal(
      failed.failure_reason,
      "rejected by the bank: AC01 (incorrect account number): IBAN unknown at the creditor bank",
    );
    assert.equal((await payout(sql, third)).status, "processing", "its file has no answer yet");
    assert.deepEqual(await webhookTypes(sql, accepted), [
      "payout.created",
      "payout.processing",
      "payout.completed",
    ]);
    assert.deepEqual((await webhookTypes(sql, rejected)).at(-1), "payout.failed");
    const event = await eventInto(sql, accepted, "completed");
    assert.equal(event.actor, "bank:status-0001.xml");
    assert.deepEqual(event.detail, {
      connector: "sepa_file",
      bank_status: "ACSC",
      report: "status-0001.xml",
      file_id: full.id,
    });
    assert.equal(rig.confirmations.length, 1);
    assert.ok(rig.confirmations[0] >= 0);

    // The same report again, under another name and under its own: nothing changes.
    const before = { events: await eventCount(sql), accepted: await payout(sql, accepted) };
    await rig.drop("status-0001-copy.xml", status);
    await rig.drop("status-0001.xml", status);
    const again = await rig.runner().pickUpReports();
    assert.deepEqual(again.duplicates, ["status-0001-copy.xml"]);
    assert.deepEqual(again.alreadyRecorded, ["status-0001.xml"]);
    assert.equal(await eventCount(sql), before.events);
    assert.deepEqual(await payout(sql, accepted), before.accepted);
    // A later report saying the same in other words changes nothing either.
    await rig.drop(
      "status-0002.xml",
      buildPain002({
        messageId: "STS-0002",
        createdAt: new Date(),
        originalMessageId: msgIdFor(full.id),
        groupStatus: "ACSC",
      }),
    );
    await rig.runner().pickUpReports();
    assert.equal(await eventCount(sql), before.events);
    assert.equal((await payout(sql, rejected)).status, "failed", "a rejection stands");

    // The second file is accepted as a whole: its payout completes.
    await rig.drop(
      "status-0003.xml",
      buildPain002({
        messageId: "STS-0003",
        createdAt: new Date(),
        originalMessageId: msgIdFor(late.id),
        groupStatus: "ACCP",
      }),
    );
    await rig.runner().pickUpReports();
    assert.equal((await payout(sql, third)).status, "completed");

    // The recipient's bank sends the first payout back.
    await rig.drop(
      "returns-0001.xml",
      buildCamt054({
        messageId: "NTF-0001",
        createdAt: new Date(),
        accountIban: DEBTOR.iban,
        bookingDate: "2026-03-04",
        returns: [
          {
            originalEndToEndId: endToEndIdFor(accepted),
            amountMinor: 12_550n,
            reasonCode: "AC04",
            additionalInfo: "account closed",
          },
          // Not ours, and ours but never paid: recorded, ignored.
          {
            originalEndToEndId: endToEndIdFor(crypto.randomUUID()),
            amountMinor: 100n,
            reasonCode: "MD07",
          },
          { originalEndToEndId: endToEndIdFor(rejected), amountMinor: 1n, reasonCode: "AC04" },
        ],
      }),
    );
    await rig.runner().pickUpReports();
    const returned = await payout(sql, accepted);
    assert.equal(returned.status, "returned");
    assert.equal(returned.return_reason, "AC04 (closed account): account closed");
    assert.equal((await payout(sql, rejected)).status, "failed");
    assert.deepEqual((await webhookTypes(sql, accepted)).at(-1), "payout.returned");
    const [message] = await sql<{ data: Record<string, unknown> }[]>`
      select data from webhook_messages
      where payout_id = ${accepted} and event_type = 'payout.returned'
    `;
    assert.equal(message.data.status, "returned");
    assert.equal(message.data.return_reason, "AC04 (closed account): account closed");
    assert.equal(message.data.connector, "sepa_file");
    const returnEvent = await eventInto(sql, accepted, "returned");
    assert.equal(returnEvent.from_status, "completed");
    assert.deepEqual(returnEvent.detail, {
      connector: "sepa_file",
      report: "returns-0001.xml",
      reason_code: "AC04",
      returned_amount: "125.50",
      currency: "EUR",
      booking_date: "2026-03-04",
      reason: "AC04 (closed account): account closed",
    });

    assert.deepEqual(await reports(sql), [
      {
        name: "status-0001.xml",
        kind: "pain.002",
        outcome: `pain.002 STS-0001 for ${full.name}: 1 completed, 1 failed, 0 pending, ` +
          "0 already decided, 1 unknown EndToEndId",
      },
      { name: "status-0001-copy.xml", kind: "pain.002", outcome: "duplicate" },
      {
        name: "status-0002.xml",
        kind: "pain.002",
        outcome: `pain.002 STS-0002 for ${full.name}: 0 completed, 0 failed, 0 pending, ` +
          "2 already decided, 0 unknown EndToEndIds",
      },
      {
        name: "status-0003.xml",
        kind: "pain.002",
        outcome: `pain.002 STS-0003 for ${late.name}: 1 completed, 0 failed, 0 pending, ` +
          "0 already decided, 0 unknown EndToEndIds",
      },
      {
        name: "returns-0001.xml",
        kind: "camt.054",
        outcome: "camt.054 NTF-0001: 1 returned, 2 not payouts of ours that could be " +
          "returned (ignored)",
      },
    ]);
    assert.deepEqual(rig.decisions, [
      ["pain.002", "applied"],
      ["pain.002", "duplicate"],
      ["pain.002", "duplicate"],
      ["pain.002", "ignored"],
      ["pain.002", "applied"],
      ["camt.054", "applied"],
    ]);
  });
});

Deno.test("reports that are not ours, unknown or unreadable are recorded and ignored; PDNG waits", async () => {
  await withRig(async (rig) => {
    const { sql } = rig;
    const id = await rig.submit();
    const [file] = await rig.runner().buildFiles();
    await rig.runner().uploadFiles();
    const events = await eventCount(sql);
    await rig.drop(
      "pending.xml",
      buildPain002({
        messageId: "STS-P",
        createdAt: new Date(),
        originalMessageId: msgIdFor(file.id),
        groupStatus: "PDNG",
      }),
    );
    await rig.drop(
      "other-file.xml",
      buildPain002({
        messageId: "STS-X",
        createdAt: new Date(),
        originalMessageId: msgIdFor(crypto.randomUUID()),
        groupStatus: "RJCT",
        reasonCode: "FF01",
      }),
    );
    await rig.drop(
      "not-ours.xml",
      buildPain002({
        messageId: "STS-Y",
        createdAt: new Date(),
        originalMessageId: "SOMEONE-ELSES-FILE",
        groupStatus: "RJCT",
      }),
    );
    await rig.drop(
      "statement.xml",
      '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>',
    );
    await rig.drop(
      "broken.xml",
      '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>',
    );
    const round = await rig.runner().pickUpReports();
    assert.equal(round.applied.length, 5);
    assert.deepEqual(round.failed, []);
    assert.equal((await payout(sql, id)).status, "processing");
    assert.equal(await eventCount(sql), events);
    const outcomes = Object.fromEntries(
      (await reports(sql)).map((report) => [report.name, `${report.kind}: ${report.outcome}`]),
    );
    assert.equal(
      outcomes["pending.xml"],
      `pain.002: pain.002 STS-P for ${file.name}: 0 completed, 0 failed, 1 pending, ` +
        "0 already decided, 0 unknown EndToEndIds",
    );
    assert.match(
      outcomes["other-file.xml"],
      /^pain\.002: pain\.002 STS-X answers [0-9a-f]{32}, which is not a file of ours: ignored$/,
    );
    assert.match(
      outcomes["not-ours.xml"],
      /answers SOMEONE-ELSES-FILE, which is not a file of ours: ignored$/,
    );
    assert.equal(outcomes["statement.xml"], "unknown: not a pain.002 or camt.054: ignored");
    assert.match(outcomes["broken.xml"], /^pain\.002: unreadable pain\.002: .*; ignored$/);
    // All were archived: none is offered again.
    const next = await rig.runner().pickUpReports();
    assert.deepEqual([...next.applied, ...next.duplicates, ...next.alreadyRecorded], []);
  });
});

Deno.test("a status report for a file in doubt, or not yet marked uploaded, marks it delivered", async () => {
  await withRig(async (rig) => {
    const { sql } = rig;
    const first = await rig.submit();
    const [inDoubt] = await rig.runner().buildFiles();
    const second = await rig.submit();
    const [unsent] = await rig.runner().buildFiles();
    // The first is in doubt (an attempt may have delivered it), the second was delivered by a
    // worker that died before recording it: both wait.
    await sql`update sepa_files set status = 'in_doubt' where id = ${inDoubt.id}`;
    for (const file of [inDoubt, unsent]) {
      await rig.drop(
        `status-${file.id}.xml`,
        buildPain002({
          messageId: `STS-${file.id.slice(0, 8)}`,
          createdAt: new Date(),
          originalMessageId: msgIdFor(file.id),
          groupStatus: "ACSC",
        }),
      );
    }
    await rig.runner().pickUpReports();
    const files = await sql<{ id: string; status: string }[]>`select id, status from sepa_files`;
    assert.deepEqual(
      Object.fromEntries(files.map((file) => [file.id, file.status])),
      { [inDoubt.id]: "uploaded", [unsent.id]: "uploaded" },
    );
    assert.equal((await payout(sql, first)).status, "completed");
    assert.equal((await payout(sql, second)).status, "completed");
    // Delivered means never uploaded again.
    assert.deepEqual(await rig.runner().uploadFiles(), []);
    assert.deepEqual(inboundNames(rig.server), []);
  });
});

Deno.test("the runner's loops build, upload and pick up by themselves until stopped", async () => {
  await withRig(async (rig) => {
    const { sql } = rig;
    const id = await rig.submit();
    const runner = rig.runner({ cutoffMs: 200, pollMs: 100 });
    runner.start();
    try {
      let file: { name: string; msg_id: string } | undefined;
      await waitFor(async () => {
        [file] = await sql<{ name: string; msg_id: string }[]>`
          select name, msg_id from sepa_files where status = 'uploaded'
        `;
        return file !== undefined;
      }, { timeoutMs: 30_000, message: "a file to reach the bank" });
      assert.deepEqual(inboundNames(rig.server), [file!.name]);
      await rig.drop(
        "status.xml",
        buildPain002({
          messageId: "STS-L",
          createdAt: new Date(),
          originalMessageId: file!.msg_id,
          groupStatus: "ACSC",
        }),
      );
      await waitFor(async () => (await payout(sql, id)).status === "completed", {
        timeoutMs: 30_000,
        message: "the report to complete the payout",
      });
    } finally {
      await runner.stop();
    }
  });
});
