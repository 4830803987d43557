/** Use cases of the payout API: the rules, the transactions and the state checks. */
import {
  FourEyesError,
  NotAwaitingApprovalError,
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
import type { IfMatch } from "../preconditions.ts";
import type { JobPublisher } from "../queue/publisher.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { listPayoutEvents } from "./events.repository.ts";
import {
  etagVersion,
  type Payout,
  payoutEtag,
  type PayoutEvent,
  type PayoutStatus,
  type ShownPayout,
} from "./payout.ts";
import {
  applyPatch,
  type CreateInput,
  draftFields,
  formatAmount,
  type PatchInput,
  type PayoutDraft,
  withRecipient,
} from "./payout_rules.ts";
import type { PayoutRecipient, RecipientDirectory } from "./payout_recipient.ts";
import { type ApprovalThresholds, needsApproval, NO_THRESHOLDS } from "./approval_rule.ts";
import {
  approvePayout,
  cancelOpenPayout,
  type Changed,
  type OpenStatus,
  rejectPayout,
  updateOpenPayout,
} from "./payout_changes.repository.ts";
import { type Actor, findPayout, insertPayout, listShownPayouts } from "./payouts.repository.ts";
import { CreateBatcher, type CreateBatchOptions } from "./create_batcher.ts";

export interface PayoutServiceDeps {
  sql: Db;
  publisher: JobPublisher;
  /** APPROVAL_THRESHOLDS; none by default. */
  thresholds?: ApprovalThresholds;
  /** The clock that judges `scheduled_for`; the system's by default. */
  now?: () => Date;
  /**
   * Group commit for creates without an Idempotency-Key (CREATE_BATCH_MS,
   * CREATE_BATCH_MAX); each create commits on its own when absent or when `maxSize` is 1.
   */
  createBatch?: CreateBatchOptions;
  /**
   * The stored recipients payouts may reference by `recipient_id`; without it, every
   * `recipient_id` is a 400.
   */
  recipients?: RecipientDirectory;
}

export interface ListRequest {
  limit?: number;
  cursor?: string;
  status?: PayoutStatus;
  currency?: string;
  scheduled?: boolean;
}

const MAX_PATCH_RACES = 5;
const DEFAULT_PAGE_SIZE = 20;
const DEFAULT_REJECT_REASON = "rejected by the approver";

export class PayoutService {
  private readonly batcher: CreateBatcher | undefined;

  constructor(private readonly deps: PayoutServiceDeps) {
    const batch = deps.createBatch;
    if (batch && batch.maxSize > 1) {
      this.batcher = new CreateBatcher(deps.sql, deps.publisher, batch);
    }
  }

  /**
   * Creates a payout, `needs_approval` when the approval rule says so, else `pending`; once
   * committed, publishes its job if it may be processed now. With batching on, it commits
   * together with the creates that arrived while the previous batch was being written; it
   * is validated before, so a rejected request never joins a batch.
   */
  async create(input: CreateInput, actor: Actor): Promise<Payout> {
    const fields = draftFields(input, this.now());
    const draft = withRecipient(fields, input, await this.recipientOf(this.deps.sql, input));
    const id = crypto.randomUUID();
    const status = this.statusFor(draft);
    if (this.batcher) return await this.batcher.create({ id, draft, status, actor });
    const created = await insertPayout(this.deps.sql, id, draft, status, actor);
    await this.publish(created);
    return created.payout;
  }

  /** Sends the creates gathering for a batch now, and waits until all were answered. */
  async flush(): Promise<void> {
    await this.batcher?.flush();
  }

  /**
   * Creates a payout under an Idempotency-Key: the payout, its event, its outbox row and the
   * record of `respond(payout)` commit together; a retry gets that stored response back
   * (`replayed`), whatever happened to the payout since. Validation runs first, so a
   * rejected request is never recorded under its key; a `recipient_id` is looked up in the
   * transaction, after a retry was told apart, so a retry is answered even once its
   * recipient is gone.
   */
  async createIdempotent(
    input: CreateInput,
    actor: Actor,
    request: IdempotentRequest,
    respond: (payout: Payout) => StoredResponse,
  ): Promise<{ response: StoredResponse; replayed: boolean }> {
    const fields = draftFields(input, this.now());
    // Inline details are judged before the key is looked at, as every other field is.
    const inline = input.recipient_id === undefined ? withRecipient(fields, input) : undefined;
    const outcome = await runIdempotent(this.deps.sql, request, async (tx) => {
      const draft = inline ?? withRecipient(fields, input, await this.recipientOf(tx, input));
      const status = this.statusFor(draft);
      const created = await insertPayout(tx, crypto.randomUUID(), draft, status, actor);
      return { response: respond(created.payout), value: created };
    });
    if (!outcome.replayed) await this.publish(outcome.value);
    return { response: outcome.response, replayed: outcome.replayed };
  }

  async get(id: string): Promise<Payout> {
    const payout = isUuid(id) ? await findPayout(this.deps.sql, id.toLowerCase()) : undefined;
    if (!payout) throw new NotFoundError();
    return payout;
  }

  async list(
    request: ListRequest,
  ): Promise<{ payouts: ShownPayout[]; nextCursor: string | null }> {
    let after = null;
    if (request.cursor !== undefined) {
      after = decodeCursor(request.cursor) ?? null;
      if (!after) {
        throw new ValidationError([{ path: "cursor", message: "is not a cursor from this API" }]);
      }
    }
    const page = await listShownPayouts(this.deps.sql, {
      limit: request.limit ?? DEFAULT_PAGE_SIZE,
      after,
      status: request.status ?? null,
      currency: request.currency ?? null,
      scheduled: request.scheduled ?? null,
    });
    return {
      payouts: page.payouts,
      nextCursor: page.more && page.last ? encodeCursor(page.last) : null,
    };
  }

  /**
   * Applies a PATCH. Checks run in the contract's order (400, 404, 412, 409); the write is
   * conditional on the version that was read, so a payout the worker took meanwhile is
   * never changed. A payout that needs or had approval needs it again once changed.
   */
  async update(id: string, patch: PatchInput, ifMatch: IfMatch | null, actor: Actor) {
    const named = await this.recipientOf(this.deps.sql, patch);
    for (let race = 0; race < MAX_PATCH_RACES; race++) {
      const current = await this.get(id);
      const draft = applyPatch(
        current,
        patch,
        this.now(),
        named ?? await this.keptRecipient(current, patch),
      );
      this.checkIfMatch(current, ifMatch);
      if (current.status !== "pending" && current.status !== "needs_approval") {
        throw new NotPendingError(current.status);
      }
      const again = current.status === "needs_approval" || current.approvedAt !== null;
      const updated = await updateOpenPayout(
        this.deps.sql,
        {
          id: current.id,
          version: current.version,
          from: current.status,
          to: again ? "needs_approval" : this.statusFor(draft),
        },
        draft,
        describeChanges(current, draft),
        actor,
      );
      if (updated) {
        await this.publish(updated);
        return updated.payout;
      }
      // Changed between the read and the write: judge again against the new state.
    }
    throw new NotPendingError("being changed concurrently");
  }

  /**
   * Cancels a payout that is pending or awaiting approval; the row stays for audit and
   * disappears from the API.
   */
  async cancel(id: string, ifMatch: IfMatch | null, actor: Actor): Promise<void> {
    if (!isUuid(id)) throw new NotFoundError();
    const canonicalId = id.toLowerCase();
    const versions = ifMatch && !ifMatch.any ? versionsFor(canonicalId, ifMatch.etags) : null;
    if (await cancelOpenPayout(this.deps.sql, canonicalId, versions, actor)) return;
    const current = await this.get(canonicalId);
    this.checkIfMatch(current, ifMatch);
    throw new NotPendingError(current.status);
  }

  /**
   * Approves a payout in `needs_approval` (→ `pending`; processed at once or when
   * scheduled). Checks in the contract's order: 404, 412, 403 (four eyes), 409.
   */
  async approve(id: string, ifMatch: IfMatch | null, actor: Actor): Promise<Payout> {
    if (!isUuid(id)) throw new NotFoundError();
    const canonicalId = id.toLowerCase();
    const versions = ifMatch && !ifMatch.any ? versionsFor(canonicalId, ifMatch.etags) : null;
    const approved = await approvePayout(this.deps.sql, canonicalId, versions, actor);
    if (approved) {
      await this.publish(approved);
      return approved.payout;
    }
    const current = await this.get(canonicalId);
    this.checkIfMatch(current, ifMatch);
    const own = actor.apiKeyId !== null &&
      (current.createdByKeyId === actor.apiKeyId || current.updatedByKeyId === actor.apiKeyId);
    if (own) throw new FourEyesError();
    throw new NotAwaitingApprovalError(current.status);
  }

  /** Rejects a payout in `needs_approval`: terminal, never paid, still visible. */
  async reject(
    id: string,
    reason: string | undefined,
    ifMatch: IfMatch | null,
    actor: Actor,
  ): Promise<Payout> {
    if (!isUuid(id)) throw new NotFoundError();
    const canonicalId = id.toLowerCase();
    const versions = ifMatch && !ifMatch.any ? versionsFor(canonicalId, ifMatch.etags) : null;
    const text = reason?.trim() ? reason : DEFAULT_REJECT_REASON;
    const rejected = await rejectPayout(this.deps.sql, canonicalId, versions, text, actor);
    if (rejected) return rejected;
    const current = await this.get(canonicalId);
    this.checkIfMatch(current, ifMatch);
    throw new NotAwaitingApprovalError(current.status);
  }

  async events(id: string): Promise<PayoutEvent[]> {
    const payout = await this.get(id);
    return await listPayoutEvents(this.deps.sql, payout.id);
  }

  /**
   * The recipient `recipient_id` names, through `db`; undefined when none is named. A 400
   * naming the field when there is no such recipient (or it was deleted).
   */
  private async recipientOf(
    db: Db,
    input: Pick<CreateInput, "recipient_id">,
  ): Promise<PayoutRecipient | undefined> {
    if (input.recipient_id === undefined) return undefined;
    const found = await this.deps.recipients?.find(db, input.recipient_id.toLowerCase());
    if (found) return found;
    const message = this.deps.recipients
      ? "is not a recipient (unknown, or deleted)"
      : "cannot be used: this service has no recipients";
    throw new ValidationError([{ path: "recipient_id", message }]);
  }

  /**
   * The stored recipient a PATCH that changes the currency but keeps the recipient must
   * suit, as it is now (deleted or not: its copy is still what is paid).
   */
  private async keptRecipient(
    current: Payout,
    patch: PatchInput,
  ): Promise<PayoutRecipient | undefined> {
    if (current.recipientId === null || patch.recipient_details !== undefined) return undefined;
    if (patch.currency === undefined || patch.currency === current.currency) return undefined;
    return await this.deps.recipients?.find(this.deps.sql, current.recipientId, {
      includeDeleted: true,
    });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private statusFor(draft: PayoutDraft): OpenStatus {
    return needsApproval(draft, this.deps.thresholds ?? NO_THRESHOLDS)
      ? "needs_approval"
      : "pending";
  }

  /** Publishes the job of a payout that may now be processed (it has an outbox row). */
  private async publish(changed: Changed): Promise<void> {
    if (changed.outboxId === null) return;
    await this.deps.publisher.publishCreated(changed.payout.id, changed.outboxId);
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
  if ((draft.recipientId ?? null) !== current.recipientId) {
    changes.recipient_id = { from: current.recipientId, to: draft.recipientId ?? null };
  }
  if (draft.description !== current.description) changes.description = true;
  if (draft.scheduledFor?.getTime() !== current.scheduledFor?.getTime()) {
    changes.scheduled_for = {
      from: current.scheduledFor?.toISOString() ?? null,
      to: draft.scheduledFor?.toISOString() ?? null,
    };
  }
  return changes;
}
