/** Use cases of the payout API: the rules, the transactions and the state checks. */
import {
  NotFoundError,
  NotPendingError,
  PreconditionFailedError,
  ValidationError,
} from "../errors.ts";
import type { Db } from "../db/types.ts";
import {
  type IdempotentRequest,
  runIdempotent,
  type StoredResponse,
} from "../idempotency/idempotency.service.ts";
import { isUuid } from "../ids.ts";
import type { JobPublisher } from "../queue/publisher.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { listPayoutEvents } from "./events.repository.ts";
import {
  etagVersion,
  type Payout,
  payoutEtag,
  type PayoutEvent,
  type PayoutStatus,
} from "./payout.ts";
import {
  applyPatch,
  buildDraft,
  type CreateInput,
  formatAmount,
  type PatchInput,
  type PayoutDraft,
} from "./payout_rules.ts";
import {
  type Actor,
  cancelPendingPayout,
  findPayout,
  insertPayout,
  listPayouts,
  updatePendingPayout,
} from "./payouts.repository.ts";

/** A parsed If-Match header: `*`, or a list of entity tags. */
export type IfMatch = { any: true } | { any: false; etags: string[] };

export interface PayoutServiceDeps {
  sql: Db;
  publisher: JobPublisher;
}

export interface ListRequest {
  limit?: number;
  cursor?: string;
  status?: PayoutStatus;
  currency?: string;
}

const MAX_PATCH_RACES = 5;
const DEFAULT_PAGE_SIZE = 20;

export class PayoutService {
  constructor(private readonly deps: PayoutServiceDeps) {}

  /** Creates a pending payout, then, once committed, publishes its job. */
  async create(input: CreateInput, actor: Actor): Promise<Payout> {
    const draft = buildDraft(input);
    const { payout, outboxId } = await insertPayout(
      this.deps.sql,
      crypto.randomUUID(),
      draft,
      actor,
    );
    await this.deps.publisher.publishCreated(payout.id, outboxId);
    return payout;
  }

  /**
   * Creates a payout under an Idempotency-Key: the payout, its event, its outbox row and the
   * record of `respond(payout)` commit together; a retry gets that stored response back
   * (`replayed`), whatever happened to the payout since. Validation runs first, so a
   * rejected request is never recorded under its key.
   */
  async createIdempotent(
    input: CreateInput,
    actor: Actor,
    request: IdempotentRequest,
    respond: (payout: Payout) => StoredResponse,
  ): Promise<{ response: StoredResponse; replayed: boolean }> {
    const draft = buildDraft(input);
    const outcome = await runIdempotent(this.deps.sql, request, async (tx) => {
      const created = await insertPayout(tx, crypto.randomUUID(), draft, actor);
      return { response: respond(created.payout), value: created };
    });
    if (!outcome.replayed) {
      const { payout, outboxId } = outcome.value;
      await this.deps.publisher.publishCreated(payout.id, outboxId);
    }
    return { response: outcome.response, replayed: outcome.replayed };
  }

  async get(id: string): Promise<Payout> {
    const payout = isUuid(id) ? await findPayout(this.deps.sql, id.toLowerCase()) : undefined;
    if (!payout) throw new NotFoundError();
    return payout;
  }

  async list(request: ListRequest): Promise<{ payouts: Payout[]; nextCursor: string | null }> {
    let after = null;
    if (request.cursor !== undefined) {
      after = decodeCursor(request.cursor) ?? null;
      if (!after) {
        throw new ValidationError([{ path: "cursor", message: "is not a cursor from this API" }]);
      }
    }
    const page = await listPayouts(this.deps.sql, {
      limit: request.limit ?? DEFAULT_PAGE_SIZE,
      after,
      status: request.status ?? null,
      currency: request.currency ?? null,
    });
    return {
      payouts: page.payouts,
      nextCursor: page.more && page.last ? encodeCursor(page.last) : null,
    };
  }

  /**
   * Applies a PATCH. Checks run in the contract's order (400, 404, 412, 409); the write is
   * conditional on the version that was read, so a payout the worker took meanwhile is
   * never changed.
   */
  async update(id: string, patch: PatchInput, ifMatch: IfMatch | null, actor: Actor) {
    for (let race = 0; race < MAX_PATCH_RACES; race++) {
      const current = await this.get(id);
      const draft = applyPatch(current, patch);
      this.checkIfMatch(current, ifMatch);
      if (current.status !== "pending") throw new NotPendingError(current.status);
      const updated = await updatePendingPayout(
        this.deps.sql,
        current.id,
        current.version,
        draft,
        describeChanges(current, draft),
        actor,
      );
      if (updated) return updated;
      // Changed between the read and the write: judge again against the new state.
    }
    throw new NotPendingError("being changed concurrently");
  }

  /** Cancels a pending payout; the row stays for audit and disappears from the API. */
  async cancel(id: string, ifMatch: IfMatch | null, actor: Actor): Promise<void> {
    if (!isUuid(id)) throw new NotFoundError();
    const canonicalId = id.toLowerCase();
    const versions = ifMatch && !ifMatch.any ? versionsFor(canonicalId, ifMatch.etags) : null;
    if (await cancelPendingPayout(this.deps.sql, canonicalId, versions, actor)) return;
    const current = await this.get(canonicalId);
    this.checkIfMatch(current, ifMatch);
    throw new NotPendingError(current.status);
  }

  async events(id: string): Promise<PayoutEvent[]> {
    const payout = await this.get(id);
    return await listPayoutEvents(this.deps.sql, payout.id);
  }

  private checkIfMatch(current: Payout, ifMatch: IfMatch | null): void {
    if (!ifMatch || ifMatch.any) return;
    const etag = payoutEtag(current);
    if (!ifMatch.etags.includes(etag)) throw new PreconditionFailedError(etag);
  }
}

/** The versions of this payout that a list of entity tags names. */
function versionsFor(id: string, etags: string[]): number[] {
  return etags.map((etag) => etagVersion(id, etag)).filter((v) => v !== undefined);
}

/** What a PATCH changed, for the audit trail: amounts as decimal strings. */
function describeChanges(current: Payout, draft: PayoutDraft): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  const before = formatAmount(current.amountMinor, current.currency);
  const after = formatAmount(draft.amountMinor, draft.currency);
  if (before !== after) changes.amount = { from: before, to: after };
  if (draft.currency !== current.currency) {
    changes.currency = { from: current.currency, to: draft.currency };
  }
  if (JSON.stringify(draft.recipientDetails) !== JSON.stringify(current.recipientDetails)) {
    changes.recipient_details = true;
  }
  if (draft.description !== current.description) changes.description = true;
  return changes;
}
