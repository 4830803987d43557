/**
 * The test bank's side of the drop: it owns the server, so it watches the `inbound/` folder
 * on disk and answers each new payment file with a pain.002 status report in `outbound/`,
 * and later with a camt.054 for transfers that come back.
 *
 * Files named `*.part` (the service's uploads in progress) and dot files are ignored, and so
 * is a file until its size and modification time held still for one poll (a client that
 * writes in place). A report is written whole into an outbox beside the chroot, recorded in
 * the state file, then renamed into `outbound/`: the service never sees half a report, and
 * a crash at any point neither loses a recorded answer (the next start moves it on) nor
 * answers a file twice (an unrecorded report is deleted and the file answered again).
 *
 * @module
 */
import { basename, join } from "node:path";
import { sha256Hex } from "../../src/hash.ts";
import { sleep } from "../../src/runtime/sleep.ts";
import {
  type BankRules,
  fileRejection,
  REJECT_REASON,
  RETURN_REASON,
  returnNotification,
  statusReport,
} from "./bank_answers.ts";
import {
  type BankState,
  loadState,
  type PendingReturn,
  saveState,
  STATE_FILE,
} from "./bank_state.ts";
import { Pain001ReadError, readPain001 } from "./pain001_reader.ts";
import { exists } from "./path_exists.ts";

export interface BankOptions {
  /** Local path of the folder the service uploads to. */
  inboundDir: string;
  /** Local path of the folder the service picks reports up from. */
  outboundDir: string;
  /**
   * The drop's root directory, outside what the service sees but on the same file system
   * as `outboundDir` (renames must be atomic): holds the state file, the outbox, and
   * `unreadable/` for files set aside.
   */
  rootDir: string;
  rules: BankRules;
  /** How long after accepting a transfer its return is sent (default 10 s). */
  returnAfterMs?: number;
  /** Where the bank says what it does, one line at a time (default: stdout). */
  log?: (line: string) => void;
}

/** What one poll did. */
export interface PollResult {
  /** Inbound files answered, with the report each got. */
  answered: { file: string; report: string }[];
  /** Unreadable files without a MsgId, moved to `unreadable/`. */
  setAside: string[];
  /** camt.054 reports written. */
  returns: string[];
}

export interface Bank {
  /** Answers the settled new files and sends the returns that are due. */
  poll(): Promise<PollResult>;
  /** Polls every `pollMs` (default 500) until `signal` aborts; a failed poll is logged. */
  run(signal: AbortSignal, pollMs?: number): Promise<void>;
  /** The state as saved (a copy). */
  state(): BankState;
}

const OUTBOX = "outbox";
const UNREADABLE = "unreadable";

/** Report file names carry the MsgId; SEPA ids may hold characters a file name should not. */
const safe = (id: string) => id.replace(/[^A-Za-z0-9._-]/g, "_");

/**
 * Opens the bank on its folders: loads the state and finishes what a previous run left
 * half done (reports recorded but not yet in `outbound/` are moved there; unrecorded ones
 * are deleted).
 * @throws BankStateError if the state file is unreadable.
 */
export async function openBank(options: BankOptions): Promise<Bank> {
  const log = options.log ?? ((line: string) => console.log(line));
  const returnAfterMs = options.returnAfterMs ?? 10_000;
  const statePath = join(options.rootDir, STATE_FILE);
  const outbox = join(options.rootDir, OUTBOX);
  await Deno.mkdir(outbox, { recursive: true });
  const state = await loadState(statePath);
  const save = () => saveState(statePath, state);

  // Size and mtime of each unanswered file at the last poll: unchanged means settled.
  const seen = new Map<string, string>();
  // Files whose answer failed for a reason other than their content, logged once each.
  const failing = new Set<string>();

  const deliver = async (report: string) => {
    await Deno.rename(join(outbox, report), join(options.outboundDir, report));
    state.outbox = state.outbox.filter((name) => name !== report);
    await save();
  };

  for (const entry of await readNames(outbox)) {
    if (state.outbox.includes(entry)) {
      await deliver(entry);
      log(`bank: delivered ${entry}, written before the last stop`);
    } else {
      await Deno.remove(join(outbox, entry));
    }
  }
  if (state.outbox.length > 0) {
    // Recorded but no longer in the outbox: moved into outbound/ just before the last stop.
    state.outbox = [];
    await save();
  }

  // The first of `nameFor(1)`, `nameFor(2)`, … no report ever had.
  const freeName = async (nameFor: (n: number) => string) => {
    for (let n = 1;; n++) {
      const name = nameFor(n);
      const taken = state.reports.includes(name) ||
        await exists(join(options.outboundDir, name)) ||
        await exists(join(options.outboundDir, "processed", name));
      if (!taken) return name;
    }
  };

  // Writes a report into the outbox and records it with `record`, in one state save.
  const send = async (name: string, xml: string, record: () => void) => {
    const path = join(outbox, name);
    await Deno.writeTextFile(path, xml);
    await Deno.chmod(path, 0o644); // the service logs in as another user
    record();
    state.reports.push(name);
    state.outbox.push(name);
    await save();
    await deliver(name);
  };

  const answer = async (file: string, result: PollResult) => {
    const path = join(options.inboundDir, file);
    const bytes = await Deno.readFile(path);
    const text = new TextDecoder().decode(bytes);
    const now = new Date();
    const remember = (msgId: string, outcome: "statuses" | "rejected", report: string) => {
      state.answered[file] = {
        at: now.toISOString(),
        sha256: sha256Hex(bytes),
        msgId,
        outcome,
        report,
      };
    };
    const statusReportName = (msgId: string) =>
      freeName((n) => `pain002_${safe(msgId)}${n === 1 ? "" : `_${n}`}.xml`);
    try {
      const received = readPain001(text);
      const { xml, accepted, rejected, toReturn } = statusReport(received, options.rules, now);
      const report = await statusReportName(received.msgId);
      await send(report, xml, () => {
        remember(received.msgId, "statuses", report);
        if (toReturn.length === 0) return;
        state.pendingReturns.push({
          dueAt: now.getTime() + returnAfterMs,
          file,
          msgId: received.msgId,
          pmtInfId: received.pmtInfId,
          debtorIban: received.debtorIban,
          payments: toReturn.map(({ endToEndId, amount, currency }) => ({
            endToEndId,
            amount,
            currency,
          })),
        });
      });
      const rejections = rejected.length > 0
        ? `, ${rejected.length} rejected (${REJECT_REASON.code} ${REJECT_REASON.text})`
        : "";
      log(
        `bank: ${file} (MsgId ${received.msgId}): ${accepted.length} accepted${rejections}` +
          ` → outbound/${report}`,
      );
      if (toReturn.length > 0) {
        log(
          `bank: ${toReturn.length} of them to come back (${RETURN_REASON.code}) in ` +
            `${returnAfterMs} ms`,
        );
      }
      result.answered.push({ file, report });
    } catch (error) {
      if (!(error instanceof Pain001ReadError)) throw error;
      if (error.msgId === undefined) {
        await Deno.mkdir(join(options.rootDir, UNREADABLE), { recursive: true });
        const aside = await freeAside(join(options.rootDir, UNREADABLE), file);
        await Deno.rename(path, aside);
        log(
          `bank: ${file} is not a pain.001 and has no MsgId (${error.message}); moved to ${aside}`,
        );
        result.setAside.push(file);
        return;
      }
      const xml = fileRejection(error.msgId, error.reasonCode, error.message, now);
      const msgId = error.msgId;
      const report = await statusReportName(msgId);
      await send(report, xml, () => remember(msgId, "rejected", report));
      log(
        `bank: ${file} (MsgId ${error.msgId}) rejected as a whole (${error.reasonCode}: ` +
          `${error.message}) → outbound/${report}`,
      );
      result.answered.push({ file, report });
    }
  };

  const sendReturn = async (due: PendingReturn, result: PollResult) => {
    const report = await freeName((n) => `camt054_${safe(due.msgId)}_${n}.xml`);
    await send(report, returnNotification(due, new Date()), () => {
      state.pendingReturns = state.pendingReturns.filter((pending) => pending !== due);
    });
    log(
      `bank: ${due.payments.length} transfer(s) of MsgId ${due.msgId} returned ` +
        `(${RETURN_REASON.code} ${RETURN_REASON.text}) → outbound/${report}`,
    );
    result.returns.push(report);
  };

  const poll = async (): Promise<PollResult> => {
    const result: PollResult = { answered: [], setAside: [], returns: [] };
    const present = new Set<string>();
    for (const file of await readNames(options.inboundDir)) {
      if (file.endsWith(".part") || file.startsWith(".") || file in state.answered) continue;
      present.add(file);
      const info = await Deno.stat(join(options.inboundDir, file)).catch(() => undefined);
      if (!info?.isFile) continue;
      const signature = `${info.size}:${info.mtime?.getTime()}`;
      if (seen.get(file) !== signature) {
        seen.set(file, signature);
        continue;
      }
      try {
        await answer(file, result);
        seen.delete(file);
        failing.delete(file);
      } catch (error) {
        if (!failing.has(file)) log(`bank: cannot answer ${file}: ${(error as Error).message}`);
        failing.add(file);
      }
    }
    for (const file of seen.keys()) if (!present.has(file)) seen.delete(file);
    const now = Date.now();
    for (const due of state.pendingReturns.filter((pending) => pending.dueAt <= now)) {
      await sendReturn(due, result);
    }
    return result;
  };

  return {
    poll,
    async run(signal: AbortSignal, pollMs = 500) {
      while (!signal.aborted) {
        try {
          await poll();
        } catch (error) {
          log(`bank: poll failed: ${(error as Error).message}`);
        }
        await sleep(pollMs, signal);
      }
    },
    state: () => structuredClone(state),
  };
}

/** Names of the regular files in `dir`. */
async function readNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) if (entry.isFile) names.push(entry.name);
  return names.sort();
}

// A name in `dir` for `file` that replaces nothing.
async function freeAside(dir: string, file: string): Promise<string> {
  for (let n = 1;; n++) {
    const path = join(dir, n === 1 ? basename(file) : `${basename(file)}.${n}`);
    if (!(await exists(path))) return path;
  }
}
