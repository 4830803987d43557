/**
 * What the test bank remembers between runs, in one small JSON file in the drop's root
 * directory: the files it answered (so a restart never answers one twice), the returns still
 * to send, every report name it used, and the reports written but perhaps not yet moved into
 * `outbound/`. Written to a temporary name and renamed, so a crash leaves the old state or
 * the new one, never half of either.
 *
 * @module
 */
import { z } from "zod";

const answeredSchema = z.object({
  at: z.string(),
  sha256: z.string(),
  msgId: z.string(),
  /** `statuses`: a pain.002 per transaction; `rejected`: the file rejected as a whole. */
  outcome: z.enum(["statuses", "rejected"]),
  report: z.string(),
});

const dueReturnSchema = z.object({
  dueAt: z.number(),
  /** The inbound file the transfers were in. */
  file: z.string(),
  msgId: z.string(),
  pmtInfId: z.string(),
  debtorIban: z.string(),
  payments: z.array(z.object({ endToEndId: z.string(), amount: z.string(), currency: z.string() }))
    .min(1),
});

const stateSchema = z.object({
  version: z.literal(1),
  /** By inbound file name. */
  answered: z.record(z.string(), answeredSchema),
  pendingReturns: z.array(dueReturnSchema),
  /** Every report name written: the service archives reports away, so outbound/ forgets. */
  reports: z.array(z.string()),
  /** Reports in the outbox whose rename into outbound/ may not have happened yet. */
  outbox: z.array(z.string()),
});

export type AnsweredFile = z.infer<typeof answeredSchema>;
export type PendingReturn = z.infer<typeof dueReturnSchema>;
export type BankState = z.infer<typeof stateSchema>;

/** The state file's name in the drop's root. */
export const STATE_FILE = "bank_state.json";

/** A state file the bank cannot use; it names the file so a developer can look or remove it. */
export class BankStateError extends Error {
  override name = "BankStateError";
  readonly code = "bank_state_unreadable";
}

/** An empty state: nothing answered yet. */
export function emptyState(): BankState {
  return { version: 1, answered: {}, pendingReturns: [], reports: [], outbox: [] };
}

/** The state at `path`, or an empty one if there is no file. @throws BankStateError */
export async function loadState(path: string): Promise<BankState> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return emptyState();
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BankStateError(`${path} is not JSON (${(error as Error).message})`);
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BankStateError(
      `${path} is not a test bank state file (${issue.path.join(".") || "root"}: ${issue.message})`,
    );
  }
  return parsed.data;
}

/** Replaces the state at `path` with `state` in one rename. */
export async function saveState(path: string, state: BankState): Promise<void> {
  const temporary = `${path}.tmp`;
  await Deno.writeTextFile(temporary, JSON.stringify(state, null, 2) + "\n");
  await Deno.rename(temporary, path);
}
