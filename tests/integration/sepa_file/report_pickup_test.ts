import assert from "node:assert/strict";
import type postgres from "postgres";
import type { OpenBankDrop } from "../../../src/connectors/sepa_file/bank_drop.ts";
import type { ReportKind } from "../../../src/connectors/sepa_file/bank_reports.repository.ts";
import {
  type ApplyReport,
  type PickupOptions,
  pickUpReports,
} from "../../../src/connectors/sepa_file/report_pickup.ts";
import { sftpDropOpener } from "../../../src/connectors/sepa_file/sftp_drop.ts";
import { withTestDatabase } from "../../helpers/database.ts";
import type { SftpServer } from "../../../scripts/bank/sftp_server.ts";
import { dropConfig, withSftpServer } from "./sepa_fixtures.ts";

interface Rig {
  sql: postgres.Sql;
  server: SftpServer;
  open: OpenBankDrop;
  /** Drops a report into the bank's outbound folder. */
  drop(name: string, xml: string): Promise<void>;
  outbound(): string[];
  processed(): string[];
  /** What the apply callbacks wrote (in the transaction they were given). */
  effects(): Promise<string[]>;
}

async function withRig(fn: (rig: Rig) => Promise<void>): Promise<void> {
  await withSftpServer((server) =>
    withTestDatabase(async ({ sql }) => {
      // Stands in for the payout updates a real apply makes.
      await sql`create table report_effects (report_name text not null, kind text not null)`;
      const folder = `${server.root}/outbound`;
      const names = (path: string) => {
        try {
          return [...Deno.readDirSync(path)].filter((e) => e.isFile).map((e) => e.name).sort();
        } catch {
          return [];
        }
      };
      await fn({
        sql,
        server,
        open: sftpDropOpener(dropConfig(server)),
        drop: (name, xml) => Deno.writeTextFile(`${folder}/${name}`, xml),
        outbound: () => names(folder),
        processed: () => names(`${folder}/processed`),
        effects: async () =>
          (await sql<{ report_name: string }[]>`
            select report_name from report_effects order by report_name`)
            .map((row) => row.report_name),
      });
    })
  );
}

const classify = (_name: string, content: Uint8Array): ReportKind => {
  const text = new TextDecoder().decode(content);
  if (text.includes("pain.002")) return "pain.002";
  if (text.includes("camt.054")) return "camt.054";
  return "unknown";
};

const recordEffect: ApplyReport = async (report, sql) => {
  await sql`insert into report_effects values (${report.name}, ${report.kind})`;
  return `recorded ${report.kind}`;
};

function options(apply: ApplyReport = recordEffect): PickupOptions {
  return { classify, apply };
}

const PAIN_002 = '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"/>';
const CAMT_054 = '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/>';

async function reportRows(sql: postgres.Sql) {
  return await sql<
    {
      name: string;
      kind: string;
      applied: boolean;
      outcome: string | null;
      attempts: number;
      last_error: string | null;
      duplicate: boolean;
    }[]
  >`
    select name, kind, applied_at is not null as applied, outcome, attempts, last_error,
      duplicate_of is not null as duplicate
    from bank_reports order by received_at, name
  `;
}

Deno.test("a report is recorded, applied in the same transaction and archived", async () => {
  await withRig(async (rig) => {
    await rig.drop("status-1.xml", PAIN_002);
    await rig.drop("notice-1.xml", CAMT_054);
    const result = await pickUpReports(rig.sql, rig.open, options());
    assert.deepEqual(result.applied.sort(), ["notice-1.xml", "status-1.xml"]);
    assert.deepEqual(await rig.effects(), ["notice-1.xml", "status-1.xml"]);
    assert.deepEqual(rig.outbound(), []);
    assert.deepEqual(rig.processed(), ["notice-1.xml", "status-1.xml"]);
    const rows = await reportRows(rig.sql);
    assert.deepEqual(
      rows.map((r) => [r.name, r.kind, r.applied, r.outcome]).sort(),
      [
        ["notice-1.xml", "camt.054", true, "recorded camt.054"],
        ["status-1.xml", "pain.002", true, "recorded pain.002"],
      ],
    );
    const [stored] = await rig.sql<{ content: Uint8Array }[]>`
      select content from bank_reports where name = 'status-1.xml'`;
    assert.equal(new TextDecoder().decode(stored.content), PAIN_002);
  });
});

Deno.test("the same report dropped again under its name is applied once", async () => {
  await withRig(async (rig) => {
    await rig.drop("status-1.xml", PAIN_002);
    await pickUpReports(rig.sql, rig.open, options());
    await rig.drop("status-1.xml", PAIN_002);
    const second = await pickUpReports(rig.sql, rig.open, options());
    assert.deepEqual(second.alreadyRecorded, ["status-1.xml"]);
    assert.deepEqual(second.applied, []);
    assert.deepEqual(await rig.effects(), ["status-1.xml"]);
    assert.deepEqual(rig.outbound(), []);
    assert.equal((await reportRows(rig.sql)).length, 1);
  });
});

Deno.test("the same content under another name is recorded as a duplicate, never applied", async () => {
  await withRig(async (rig) => {
    await rig.drop("status-1.xml", PAIN_002);
    await pickUpReports(rig.sql, rig.open, options());
    await rig.drop("status-1-resent.xml", PAIN_002);
    const second = await pickUpReports(rig.sql, rig.open, options());
    assert.deepEqual(second.duplicates, ["status-1-resent.xml"]);
    assert.deepEqual(await rig.effects(), ["status-1.xml"]);
    const rows = await reportRows(rig.sql);
    assert.deepEqual(rows.map((r) => [r.name, r.applied, r.duplicate, r.outcome]), [
      ["status-1.xml", true, false, "recorded pain.002"],
      ["status-1-resent.xml", false, true, "duplicate"],
    ]);
    assert.deepEqual(rig.outbound(), []);
  });
});

Deno.test("a report listed again because archiving it failed is not applied again", async () => {
  await withRig(async (rig) => {
    await rig.drop("status-1.xml", PAIN_002);
    // The connection drops right after the commit, before the file is moved.
    const failingArchive: OpenBankDrop = async () => {
      const drop = await rig.open();
      return {
        ...bind(drop),
        archiveReport: () => Promise.reject(new Error("connection lost")),
      };
    };
    await assert.rejects(pickUpReports(rig.sql, failingArchive, options()), /connection lost/);
    assert.deepEqual(rig.outbound(), ["status-1.xml"]);
    assert.deepEqual(await rig.effects(), ["status-1.xml"]);

    const retry = await pickUpReports(rig.sql, rig.open, options());
    assert.deepEqual(retry.alreadyRecorded, ["status-1.xml"]);
    assert.deepEqual(await rig.effects(), ["status-1.xml"]);
    assert.deepEqual(rig.outbound(), []);
  });
});

Deno.test("an apply that throws is rolled back, not recorded as applied, and retried next round", async () => {
  await withRig(async (rig) => {
    await rig.drop("status-1.xml", PAIN_002);
    let calls = 0;
    const flaky: ApplyReport = async (report, sql) => {
      calls++;
      await recordEffect(report, sql);
      if (calls === 1) throw new Error("payout not found yet");
      return "applied on retry";
    };
    const first = await pickUpReports(rig.sql, rig.open, options(flaky));
    assert.deepEqual(first.failed, [{ name: "status-1.xml", error: "payout not found yet" }]);
    assert.deepEqual(await rig.effects(), [], "the failed apply's writes are rolled back");
    assert.deepEqual(rig.outbound(), ["status-1.xml"], "left for the next round");
    const [failed] = await reportRows(rig.sql);
    assert.equal(failed.applied, false);
    assert.equal(failed.attempts, 1);
    assert.equal(failed.last_error, "payout not found yet");

    const second = await pickUpReports(rig.sql, rig.open, options(flaky));
    assert.deepEqual(second.applied, ["status-1.xml"]);
    assert.deepEqual(await rig.effects(), ["status-1.xml"]);
    const [applied] = await reportRows(rig.sql);
    assert.equal(applied.applied, true);
    assert.equal(applied.outcome, "applied on retry");
    assert.equal(applied.last_error, null);
    assert.deepEqual(rig.outbound(), []);
  });
});

Deno.test("two pickups running at once apply each report once", async () => {
  await withRig(async (rig) => {
    for (let i = 0; i < 5; i++) await rig.drop(`status-${i}.xml`, `${PAIN_002}<!-- ${i} -->`);
    // And one content twice under two names, which the two pickups may take in any order.
    await rig.drop("twin-a.xml", CAMT_054);
    await rig.drop("twin-b.xml", CAMT_054);
    const results = await Promise.all([
      pickUpReports(rig.sql, rig.open, options()),
      pickUpReports(rig.sql, rig.open, options()),
    ]);
    const applied = results.flatMap((r) => r.applied);
    assert.equal(applied.length, 6, JSON.stringify(results));
    const effects = await rig.effects();
    assert.equal(effects.length, 6);
    assert.equal(new Set(effects).size, 6);
    assert.equal(effects.filter((name) => name.startsWith("twin-")).length, 1);
    assert.deepEqual(rig.outbound(), []);
  });
});

// The drop's methods as own properties, so a test can replace one with a spread.
function bind<T extends object>(target: T): T {
  const bound = {} as Record<string, unknown>;
  let proto: object | null = target;
  while (proto && proto !== Object.prototype) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const value = (target as Record<string, unknown>)[key];
      if (key !== "constructor" && typeof value === "function" && !(key in bound)) {
        bound[key] = value.bind(target);
      }
    }
    proto = Object.getPrototypeOf(proto);
  }
  return bound as T;
}
