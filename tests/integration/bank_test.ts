/**
 * The test bank (`deno task bank`) as a developer runs it: a real sshd, the service's own
 * SFTP client uploading as the service does (`.part`, then rename), and the reports read
 * back with the service's parsers. Plus the bank's crash recovery, in-process on plain
 * folders.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { checksumIBAN } from "sepa";
import type { BankDrop } from "../../src/connectors/sepa_file/bank_drop.ts";
import { parseCamt054 } from "../../src/connectors/sepa_file/camt054.ts";
import { buildPain001 } from "../../src/connectors/sepa_file/pain001.ts";
import { parsePain002, transactionStatuses } from "../../src/connectors/sepa_file/pain002.ts";
import { type SftpDropConfig, sftpDropOpener } from "../../src/connectors/sepa_file/sftp_drop.ts";
import { openBank } from "../../scripts/bank/bank.ts";
import { STATE_FILE } from "../../scripts/bank/bank_state.ts";
import { runDeno, taskArgs } from "../helpers/cli.ts";
import { captureOutput, freePort } from "../helpers/processes.ts";
import { payment, randomIban, sepaFile } from "../helpers/sepa_fixtures.ts";
import { waitFor } from "../helpers/wait.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const TIMEOUTS = { connectTimeoutMs: 5_000, operationTimeoutMs: 5_000 };

interface RunningBank {
  process: Deno.ChildProcess;
  output(): string;
  status: Promise<Deno.CommandStatus>;
  /** What it printed for the service, by variable name. */
  env: Record<string, string>;
  /** The service's drop config, built from `env` alone. */
  drop: SftpDropConfig;
}

/** `deno task bank`'s command line, read from deno.json. */
const bankCommand = () => taskArgs("bank");

/** Parses `A=1 B='x y'` as the shell would. */
function parseEnvLine(line: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, name, quoted, plain] of line.matchAll(/([A-Z_]+)=(?:'((?:[^']|'\\'')*)'|(\S*))/g)) {
    env[name] = quoted !== undefined ? quoted.replaceAll(`'\\''`, "'") : plain;
  }
  return env;
}

async function startBank(flags: string[]): Promise<RunningBank> {
  const process = new Deno.Command(Deno.execPath(), {
    args: [...(await bankCommand()), ...flags],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const { output, status } = captureOutput(process);
  let exited = false;
  status.then(() => exited = true);
  try {
    const line = await waitFor(
      () => {
        if (exited) throw new Error(`the bank exited: ${output()}`);
        return output().split("\n").find((l) => l.startsWith("SEPA_SFTP_HOST="));
      },
      { timeoutMs: 60_000, message: "the bank to print the service's environment" },
    );
    const env = parseEnvLine(line);
    const drop: SftpDropConfig = {
      host: env.SEPA_SFTP_HOST,
      port: Number(env.SEPA_SFTP_PORT),
      username: env.SEPA_SFTP_USER,
      privateKey: await Deno.readTextFile(env.SEPA_SFTP_KEY_FILE),
      hostKeyFingerprint: env.SEPA_SFTP_HOST_KEY,
      inboundDir: env.SEPA_SFTP_INBOUND_DIR,
      outboundDir: env.SEPA_SFTP_OUTBOUND_DIR,
      ...TIMEOUTS,
    };
    return { process, output, status, env, drop };
  } catch (error) {
    await stopBank({ process, status });
    throw error;
  }
}

async function stopBank(bank: Pick<RunningBank, "process" | "status">) {
  try {
    bank.process.kill("SIGTERM");
  } catch {
    // exited already
  }
  return await bank.status;
}

/** A kept drop directory for one test, where sshd accepts a chroot; removed afterwards. */
async function withBankDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = `/run/payout-test-bank-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function withDrop<T>(config: SftpDropConfig, fn: (drop: BankDrop) => Promise<T>) {
  const drop = await sftpDropOpener(config)();
  try {
    return await fn(drop);
  } finally {
    await drop.close();
  }
}

/** Uploads as the service does: a temporary `.part` name, then a rename to the final one. */
async function upload(config: SftpDropConfig, name: string, xml: string): Promise<void> {
  await withDrop(config, async (drop) => {
    const part = `${name}.${crypto.randomUUID().replaceAll("-", "")}.part`;
    await drop.writeFile(part, new TextEncoder().encode(xml));
    await drop.rename(part, name);
  });
}

/** Waits until outbound holds `name`, reads it through SFTP and archives it (as pickup does). */
async function takeReport(config: SftpDropConfig, name: string): Promise<string> {
  return await withDrop(config, async (drop) => {
    await waitFor(async () => (await drop.listReports()).includes(name), {
      timeoutMs: 30_000,
      message: `${name} in outbound`,
    });
    const bytes = await drop.readReport(name);
    assert.ok(bytes, `${name} vanished`);
    await drop.archiveReport(name);
    return new TextDecoder().decode(bytes);
  });
}

Deno.test("the bank answers an upload per transaction, returns later, and a restart answers nothing twice", async () => {
  await withBankDir(async (dir) => {
    const port = freePort();
    const flags = [
      `--port=${port}`,
      `--dir=${dir}`,
      "--reject-iban=^FR",
      "--return-iban=^NL",
      "--return-after-ms=300",
      "--poll-ms=50",
    ];
    const good = payment({ iban: randomIban("DE"), amountMinor: 12_550n });
    const bad = payment({ iban: randomIban("FR") });
    const closed = payment({ iban: checksumIBAN("NL00ABNA0417164300"), amountMinor: 7_001n });
    const first = sepaFile([good, bad, closed]);

    let bank = await startBank(flags);
    let firstEnv: Record<string, string>;
    try {
      firstEnv = bank.env;
      assert.equal(bank.env.SEPA_SFTP_HOST, "127.0.0.1");
      assert.equal(bank.env.SEPA_SFTP_PORT, String(port));
      assert.equal(bank.env.SEPA_DEBTOR_NAME, "Payouts Dev");
      assert.match(bank.env.SEPA_SFTP_HOST_KEY, /^SHA256:[A-Za-z0-9+/]{43}$/);
      await upload(bank.drop, `PAIN001-${first.msgId}.xml`, buildPain001(first));

      const report = parsePain002(await takeReport(bank.drop, `pain002_${first.msgId}.xml`));
      assert.equal(report.originalMessageId, first.msgId);
      assert.equal(report.groupStatus, "PART");
      const statuses = transactionStatuses(report, [good, bad, closed].map((p) => p.endToEndId));
      assert.deepEqual(
        [good, bad, closed].map((p) => {
          const status = statuses.get(p.endToEndId);
          return [status?.status, status?.reasonCode];
        }),
        [["ACSC", undefined], ["RJCT", "AC01"], ["ACSC", undefined]],
      );

      const camt = parseCamt054(await takeReport(bank.drop, `camt054_${first.msgId}_1.xml`));
      assert.deepEqual(
        camt.returns.map((r) => [r.originalEndToEndId, r.amountMinor, r.currency, r.reasonCode]),
        [[closed.endToEndId, 7_001n, "EUR", "AC04"]],
      );
    } finally {
      const status = await stopBank(bank);
      assert.equal(status.code, 0, bank.output());
    }
    // sshd went with it.
    assert.doesNotThrow(() => Deno.listen({ hostname: "127.0.0.1", port }).close());

    // A second file whose return is due after the restart (or just before it: either way,
    // exactly one camt.054).
    const second = sepaFile([payment({ iban: checksumIBAN("NL00RABO0300065264") })]);
    bank = await startBank([
      ...flags.filter((f) => !f.startsWith("--return-after")),
      "--return-after-ms=1000",
    ]);
    try {
      assert.deepEqual(bank.env, firstEnv, "the same keys and host key after a restart");
      await upload(bank.drop, `PAIN001-${second.msgId}.xml`, buildPain001(second));
      const report = parsePain002(await takeReport(bank.drop, `pain002_${second.msgId}.xml`));
      assert.equal(report.groupStatus, "ACSC");
    } finally {
      assert.equal((await stopBank(bank)).code, 0, bank.output());
    }
    bank = await startBank(flags);
    try {
      await takeReport(bank.drop, `camt054_${second.msgId}_1.xml`);
      // Every file in inbound was looked at on every poll since the restarts: the first
      // file's answers were not written again, nor the second's return.
      const third = sepaFile();
      await upload(bank.drop, `PAIN001-${third.msgId}.xml`, buildPain001(third));
      await takeReport(bank.drop, `pain002_${third.msgId}.xml`);
      const names = await withDrop(bank.drop, (drop) => drop.listReports());
      assert.deepEqual(names, []);
      const processed = [...Deno.readDirSync(join(dir, "chroot", "outbound", "processed"))]
        .map((entry) => entry.name).sort();
      assert.deepEqual(
        processed,
        [
          `camt054_${first.msgId}_1.xml`,
          `camt054_${second.msgId}_1.xml`,
          `pain002_${first.msgId}.xml`,
          `pain002_${second.msgId}.xml`,
          `pain002_${third.msgId}.xml`,
        ].sort(),
      );
      const inbound = await withDrop(bank.drop, (drop) => drop.listInbound());
      assert.deepEqual(
        inbound.map((file) => file.name).sort(),
        [first, second, third].map((file) => `PAIN001-${file.msgId}.xml`).sort(),
        "answered files stay; the .part files are gone",
      );
    } finally {
      assert.equal((await stopBank(bank)).code, 0, bank.output());
    }
  });
});

Deno.test("an unreadable upload is rejected as a whole when it names a MsgId, else set aside; .part is ignored", async () => {
  await withBankDir(async (dir) => {
    const bank = await startBank([`--port=${freePort()}`, `--dir=${dir}`, "--poll-ms=50"]);
    try {
      const halfway = sepaFile();
      await withDrop(
        bank.drop,
        (drop) =>
          drop.writeFile(
            `PAIN001-${halfway.msgId}.xml.0123.part`,
            new TextEncoder().encode(buildPain001(halfway)),
          ),
      );
      const broken = sepaFile();
      const truncated = buildPain001(broken).slice(0, 900);
      assert.match(truncated, new RegExp(`<MsgId>${broken.msgId}</MsgId>`));
      await upload(bank.drop, "broken.xml", truncated);
      await upload(bank.drop, "garbage.xml", "this is not a payment file");

      const report = parsePain002(await takeReport(bank.drop, `pain002_${broken.msgId}.xml`));
      assert.equal(report.originalMessageId, broken.msgId);
      assert.equal(report.groupStatus, "RJCT");
      assert.equal(report.groupReasonCode, "FF01");
      assert.match(report.groupAdditionalInfo ?? "", /^invalid file format: not well-formed XML/);

      const aside = join(dir, "unreadable", "garbage.xml");
      await waitFor(() => Deno.stat(aside).then(() => true), { message: "garbage.xml set aside" });
      assert.equal(await Deno.readTextFile(aside), "this is not a payment file");
      const names = await withDrop(bank.drop, async (drop) => ({
        inbound: (await drop.listInbound()).map((file) => file.name).sort(),
        reports: await drop.listReports(),
      }));
      assert.deepEqual(names, {
        inbound: ["PAIN001-" + halfway.msgId + ".xml.0123.part", "broken.xml"],
        reports: [],
      });
      assert.match(bank.output(), /garbage\.xml is not a pain\.001 and has no MsgId/);
    } finally {
      assert.equal((await stopBank(bank)).code, 0, bank.output());
    }
  });
});

Deno.test("deno task bank: a bad flag is one line and exit 2, a taken port one line and exit 1", async () => {
  const run = async (flags: string[]) => runDeno([...(await bankCommand()), ...flags]);
  for (const flags of [["--bogus"], ["--port", "70000"], ["--reject-iban", "[unclosed"]]) {
    const result = await run(flags);
    assert.equal(result.code, 2, JSON.stringify(result));
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^bank: [^\n]+\n$/, JSON.stringify(flags));
  }
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    const result = await run([`--port=${port}`, "--dir=/run/payout-test-bank-unused"]);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `bank: 127.0.0.1:${port} is in use (another bank still running?); pick a port with --port\n`,
    );
  } finally {
    listener.close();
  }
});

// --- crash recovery, in-process on plain folders -------------------------------------------

const quiet = () => {};

/** Bank folders in a fresh temp dir, and a quiet bank's options over them, with no rules. */
async function withFolders(
  fn: (paths: {
    root: string;
    inbound: string;
    outbound: string;
    options: Parameters<typeof openBank>[0];
  }) => Promise<void>,
) {
  const root = await Deno.makeTempDir({ prefix: "bank_" });
  const inbound = join(root, "inbound");
  const outbound = join(root, "outbound");
  await Deno.mkdir(inbound);
  await Deno.mkdir(outbound);
  const options = {
    inboundDir: inbound,
    outboundDir: outbound,
    rootDir: root,
    rules: {},
    log: quiet,
  };
  try {
    await fn({ root, inbound, outbound, options });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("a report recorded before a crash is delivered on the next start; an unrecorded one is dropped", async () => {
  await withFolders(async ({ root, inbound, outbound, options }) => {
    const file = sepaFile();
    await Deno.writeTextFile(join(inbound, "a.xml"), buildPain001(file));
    const bank = await openBank(options);
    await bank.poll(); // first sight: not settled yet
    assert.deepEqual((await bank.poll()).answered, [{
      file: "a.xml",
      report: `pain002_${file.msgId}.xml`,
    }]);

    // As if the bank had died between recording the report and moving it into outbound/,
    // and another while writing one it had not recorded yet.
    const report = `pain002_${file.msgId}.xml`;
    await Deno.rename(join(outbound, report), join(root, "outbox", report));
    const state = JSON.parse(await Deno.readTextFile(join(root, STATE_FILE)));
    state.outbox = [report];
    await Deno.writeTextFile(join(root, STATE_FILE), JSON.stringify(state));
    await Deno.writeTextFile(join(root, "outbox", "pain002_half.xml"), "<Docu");

    const restarted = await openBank(options);
    assert.deepEqual([...Deno.readDirSync(outbound)].map((e) => e.name), [report]);
    assert.deepEqual([...Deno.readDirSync(join(root, "outbox"))], []);
    assert.deepEqual(restarted.state().outbox, []);
    await restarted.poll();
    assert.deepEqual(await restarted.poll(), { answered: [], setAside: [], returns: [] });
  });
});

Deno.test("a file still being written in place is answered only once it holds still", async () => {
  await withFolders(async ({ inbound, outbound, options }) => {
    const bank = await openBank(options);
    const file = sepaFile();
    const xml = buildPain001(file);
    const path = join(inbound, "slow.xml");
    await Deno.writeTextFile(path, xml.slice(0, 500));
    await bank.poll();
    await Deno.writeTextFile(path, xml.slice(500), { append: true });
    assert.deepEqual((await bank.poll()).answered, [], "it changed since the last poll");
    const answered = (await bank.poll()).answered;
    assert.deepEqual(answered, [{ file: "slow.xml", report: `pain002_${file.msgId}.xml` }]);
    const report = parsePain002(await Deno.readTextFile(join(outbound, answered[0].report)));
    assert.equal(report.groupStatus, "ACSC");
  });
});

Deno.test("a second file with the same MsgId gets its own report name, and a broken state file is refused", async () => {
  await withFolders(async ({ root, inbound, options }) => {
    const bank = await openBank(options);
    const file = sepaFile();
    await Deno.writeTextFile(join(inbound, "one.xml"), buildPain001(file));
    await Deno.writeTextFile(join(inbound, "two.xml"), buildPain001(file));
    await bank.poll();
    const { answered } = await bank.poll();
    assert.deepEqual(answered.map((a) => a.report), [
      `pain002_${file.msgId}.xml`,
      `pain002_${file.msgId}_2.xml`,
    ]);

    await Deno.writeTextFile(join(root, STATE_FILE), "{}");
    await assert.rejects(openBank(options), { code: "bank_state_unreadable" });
  });
});
