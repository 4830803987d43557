/**
 * A test bank for development: a local SFTP drop (a private OpenSSH server) that answers
 * every payment file the service uploads with a pain.002 status report, and later with a
 * camt.054 for transfers that come back, so the whole SEPA flow can be watched locally.
 *
 *     deno task bank [--port 2222] [--reject-iban REGEX] [--return-iban REGEX]
 *                    [--return-after-ms 10000] [--dir /run/payout-test-bank] [--poll-ms 500]
 *
 * It prints the environment that points the service at it, and runs until SIGINT or
 * SIGTERM, then stops sshd. The drop's directory (keys, files, what was answered) stays, so
 * a restart keeps the same keys and never answers a file twice. Needs root (sshd chroots
 * the drop). Bad usage: one line on stderr, exit 2; cannot run here: one line, exit 1.
 *
 * @module
 */
import { join } from "node:path";
import { openBank } from "./bank/bank.ts";
import { type SftpServer, sshdProblem, startSftpServer } from "./bank/sftp_server.ts";

const USAGE = "usage: deno task bank [--port N] [--reject-iban REGEX] [--return-iban REGEX] " +
  "[--return-after-ms MS] [--dir PATH] [--poll-ms MS]";

/** The bank's settings, from its flags. */
export interface BankArgs {
  port: number;
  rejectIban?: RegExp;
  returnIban?: RegExp;
  returnAfterMs: number;
  dir: string;
  pollMs: number;
}

/** Where the drop lives by default: under /run (root's, so sshd accepts it as a chroot). */
export const DEFAULT_DIR = "/run/payout-test-bank";

/** The debtor account the service is told to pay from: a valid test IBAN and its BIC. */
export const DEBTOR = { name: "Payouts Dev", iban: "DE87123456781234567890", bic: "XMPLDEM0XXX" };

/** Parses the flags; a string is the one-line complaint, `"help"` asks for the usage. */
export function parseArgs(args: string[]): BankArgs | "help" | string {
  const result: BankArgs = { port: 2222, returnAfterMs: 10_000, dir: DEFAULT_DIR, pollMs: 500 };
  const integer = (flag: string, text: string, min: number, max: number): number | string => {
    const value = Number(text);
    return /^[0-9]+$/.test(text) && value >= min && value <= max
      ? value
      : `${flag} needs a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`;
  };
  const pattern = (flag: string, text: string): RegExp | string => {
    try {
      return new RegExp(text);
    } catch (error) {
      return `${flag} needs a regular expression: ${(error as Error).message}`;
    }
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") return "help";
    const [flag, inline] = arg.startsWith("--") && arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const known = [
      "--port",
      "--reject-iban",
      "--return-iban",
      "--return-after-ms",
      "--dir",
      "--poll-ms",
    ];
    if (!known.includes(flag)) return `unknown argument: ${arg} (${USAGE})`;
    const value = inline ?? args[++i];
    if (value === undefined || value === "") return `${flag} needs a value`;
    let parsed: number | RegExp | string;
    switch (flag) {
      case "--port":
        if (typeof (parsed = integer(flag, value, 1, 65_535)) === "string") return parsed;
        result.port = parsed as number;
        break;
      case "--return-after-ms":
        if (typeof (parsed = integer(flag, value, 0, 86_400_000)) === "string") return parsed;
        result.returnAfterMs = parsed as number;
        break;
      case "--poll-ms":
        if (typeof (parsed = integer(flag, value, 10, 60_000)) === "string") return parsed;
        result.pollMs = parsed as number;
        break;
      case "--reject-iban":
        if (typeof (parsed = pattern(flag, value)) === "string") return parsed;
        result.rejectIban = parsed as RegExp;
        break;
      case "--return-iban":
        if (typeof (parsed = pattern(flag, value)) === "string") return parsed;
        result.returnIban = parsed as RegExp;
        break;
      case "--dir":
        if (!value.startsWith("/")) return `--dir needs an absolute path, got ${value}`;
        result.dir = value;
        break;
    }
  }
  return result;
}

// Single quotes where the shell would split or expand a value.
const shellValue = (value: string) =>
  /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;

/** The service's environment for reaching `server`, as `NAME=value` pairs. */
export function serviceEnv(server: SftpServer): [string, string][] {
  return [
    ["SEPA_SFTP_HOST", server.host],
    ["SEPA_SFTP_PORT", String(server.port)],
    ["SEPA_SFTP_USER", server.username],
    ["SEPA_SFTP_KEY_FILE", server.privateKeyFile],
    ["SEPA_SFTP_HOST_KEY", server.hostKeyFingerprint],
    ["SEPA_SFTP_INBOUND_DIR", "inbound"],
    ["SEPA_SFTP_OUTBOUND_DIR", "outbound"],
    ["SEPA_DEBTOR_NAME", DEBTOR.name],
    ["SEPA_DEBTOR_IBAN", DEBTOR.iban],
    ["SEPA_DEBTOR_BIC", DEBTOR.bic],
  ];
}

/** One line a shell can export: `A=1 B='x y'`. */
export function formatEnv(env: [string, string][]): string {
  return env.map(([name, value]) => `${name}=${shellValue(value)}`).join(" ");
}

function portInUse(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return false;
  } catch {
    return true;
  }
}

// Under sudo the service may run as the user who called it: let that user read the key.
async function giveKeyToSudoUser(server: SftpServer): Promise<void> {
  const uid = Number(Deno.env.get("SUDO_UID"));
  const gid = Number(Deno.env.get("SUDO_GID"));
  if (Number.isInteger(uid) && uid > 0 && Number.isInteger(gid)) {
    await Deno.chown(server.privateKeyFile, uid, gid);
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args === "help") {
    console.log(USAGE);
    return 0;
  }
  if (typeof args === "string") {
    console.error(`bank: ${args}`);
    return 2;
  }
  const problem = await sshdProblem();
  if (problem !== undefined) {
    console.error(`bank: ${problem}`);
    return 1;
  }
  if (portInUse(args.port)) {
    console.error(
      `bank: 127.0.0.1:${args.port} is in use (another bank still running?); pick a port with --port`,
    );
    return 1;
  }
  let server: SftpServer;
  try {
    server = await startSftpServer({ port: args.port, dir: args.dir });
  } catch (error) {
    console.error(`bank: ${(error as Error).message.replaceAll("\n", " ").trim()}`);
    return 1;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    await giveKeyToSudoUser(server);
    const bank = await openBank({
      inboundDir: join(server.root, "inbound"),
      outboundDir: join(server.root, "outbound"),
      rootDir: server.dir,
      rules: { rejectIban: args.rejectIban, returnIban: args.returnIban },
      returnAfterMs: args.returnAfterMs,
    });
    const pairs = serviceEnv(server);
    const env = formatEnv(pairs);
    const envFile = join(server.dir, "service.env");
    await Deno.writeTextFile(envFile, pairs.map((pair) => `${formatEnv([pair])}\n`).join(""));
    const rules = [
      args.rejectIban ? `rejecting IBANs matching ${args.rejectIban} (AC01)` : "accepting all",
      args.returnIban
        ? `returning accepted IBANs matching ${args.returnIban} after ${args.returnAfterMs} ms (AC04)`
        : undefined,
    ].filter(Boolean).join("; ");
    console.log(
      [
        `test bank: SFTP drop on 127.0.0.1:${server.port}, files in ${server.root}; ${rules}`,
        `point the service at it (also in ${envFile}):`,
        "",
        env,
        "",
        `watching inbound/ every ${args.pollMs} ms; Ctrl-C stops`,
      ].join("\n"),
    );
    await bank.run(stop.signal, args.pollMs);
    console.log("bank: stopping");
    return 0;
  } catch (error) {
    console.error(`bank: ${(error as Error).message}`);
    return 1;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    await server.stop();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
