/**
 * Putting dead-lettered jobs back after the cause was fixed. A failed payout goes back to
 * pending first (conditional update with its audit event), then its job is appended to the
 * main stream and the dead letter removed in one MULTI. Still paid at most once: the
 * provider call is idempotent on the payout id, so a payout paid before it was failed
 * completes as a duplicate.
 */
import type { Redis } from "ioredis";
import type { Db } from "../db/types.ts";
import { isUuid } from "../ids.ts";
import { type DeadLetter, deadLettersAfter, findDeadLetter } from "./dead_letters.ts";
import { findPayoutStatus, reopenFailedPayout } from "./requeue_dead.repository.ts";
import { PAYOUT_ID_FIELD, type StreamNames } from "./stream_names.ts";

/** Who the audit trail names when the caller names no one (`deno task queue requeue-dead`). */
export const REQUEUE_ACTOR = "queue:requeue";
const BATCH = 100;

export interface RequeueOutcome {
  /** The dead-letter entry id. */
  id: string;
  payoutId: string | null;
  requeued: boolean;
  /** What happened, for the operator: e.g. "failed → pending" or "payout is completed". */
  note: string;
}

export interface RequeueDeps {
  sql: Db;
  redis: Redis;
  names: StreamNames;
}

/**
 * Requeues the chosen dead letters (all of them when `ids` is empty). Entries whose payout
 * is completed, canceled or unknown stay in the dead-letter stream and are reported. Each
 * reopened payout's audit event names `actor` (the console passes `console:<key name>`).
 */
export async function requeueDeadLetters(
  deps: RequeueDeps,
  ids: string[] = [],
  actor: string = REQUEUE_ACTOR,
): Promise<RequeueOutcome[]> {
  const outcomes: RequeueOutcome[] = [];
  if (ids.length > 0) {
    for (const id of ids) {
      const entry = await findDeadLetter(deps.redis, deps.names, id);
      outcomes.push(
        entry
          ? await requeueOne(deps, entry, actor)
          : { id, payoutId: null, requeued: false, note: "no such dead letter" },
      );
    }
    return outcomes;
  }
  // Requeued entries are deleted as we go, so the walk continues after the last id seen.
  let after: string | null = null;
  while (true) {
    const batch = await deadLettersAfter(deps.redis, deps.names, after, BATCH);
    for (const entry of batch) outcomes.push(await requeueOne(deps, entry, actor));
    if (batch.length < BATCH) return outcomes;
    after = batch.at(-1)!.id;
  }
}

async function requeueOne(
  deps: RequeueDeps,
  entry: DeadLetter,
  actor: string,
): Promise<RequeueOutcome> {
  const { sql } = deps;
  const skip = (note: string): RequeueOutcome => ({
    id: entry.id,
    payoutId: entry.payoutId,
    requeued: false,
    note,
  });
  if (!entry.payoutId || !isUuid(entry.payoutId)) return skip("no valid payout id in the entry");
  const payoutId = entry.payoutId.toLowerCase();
  const status = await findPayoutStatus(sql, payoutId);
  if (status === undefined) return skip("payout not found");
  let note: string;
  if (status === "failed") {
    const reopened = await reopenFailedPayout(sql, payoutId, actor, {
      dead_letter_id: entry.id,
    });
    if (!reopened) return skip("payout changed while requeueing; run again");
    note = "failed → pending";
  } else if (status === "pending" || status === "processing") {
    // Its job may be lost with the dead letter; a duplicate job is skipped by the workers.
    note = `payout already ${status}; job requeued`;
  } else {
    return skip(`payout is ${status}; not requeued`);
  }
  await moveBack(deps, entry.id, payoutId);
  return { id: entry.id, payoutId, requeued: true, note };
}

/**
 * Appends the job and deletes the dead letter atomically. If this fails after the payout
 * was reopened, the payout is pending without a job: the reconciler enqueues it, and
 * running the command again requeues it too.
 */
async function moveBack(deps: RequeueDeps, deadLetterId: string, payoutId: string) {
  const { redis, names } = deps;
  const results = await redis.multi()
    .xadd(names.stream, "*", PAYOUT_ID_FIELD, payoutId)
    .xdel(names.deadLetter, deadLetterId)
    .exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error("requeue transaction aborted");
}
