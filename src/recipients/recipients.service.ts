/** Use cases of the recipient API: the rules, the audit trail and the conditional writes. */
import { NotFoundError, PreconditionFailedError, ValidationError } from "../errors.ts";
import type { Db } from "../db/types.ts";
import {
  type IdempotentRequest,
  runIdempotent,
  type StoredResponse,
} from "../idempotency/idempotency.service.ts";
import { isUuid } from "../ids.ts";
import type { PayoutRecipient, RecipientDirectory } from "../payouts/payout_recipient.ts";
import type { IfMatch } from "../preconditions.ts";
import {
  type Recipient,
  type RecipientActor,
  recipientEtag,
  recipientEtagVersion,
  type RecipientEvent,
  type RecipientType,
} from "./recipient.ts";
import { decodeRecipientCursor, encodeRecipientCursor } from "./recipient_cursor.ts";
import { listRecipientEvents } from "./recipient_events.repository.ts";
import {
  applyRecipientPatch,
  buildRecipientDraft,
  type CreateRecipientInput,
  describeRecipientChanges,
  type PatchRecipientInput,
  payoutRecipientOf,
} from "./recipient_rules.ts";
import {
  deleteRecipient,
  findRecipient,
  insertRecipient,
  listRecipients,
  revealRecipient,
  updateRecipient,
} from "./recipients.repository.ts";

export interface RecipientServiceDeps {
  sql: Db;
}

export interface RecipientListRequest {
  limit?: number;
  cursor?: string;
  type?: RecipientType;
  currency?: string;
}

const DEFAULT_PAGE_SIZE = 20;
const NOT_FOUND = "No recipient with this id (or it was deleted).";

export class RecipientService {
  constructor(private readonly deps: RecipientServiceDeps) {}

  /** Creates a recipient and its `created` event. */
  async create(input: CreateRecipientInput, actor: RecipientActor): Promise<Recipient> {
    const draft = buildRecipientDraft(input);
    return await insertRecipient(this.deps.sql, crypto.randomUUID(), draft, actor);
  }

  /**
   * Creates a recipient under an Idempotency-Key, as payouts are: the recipient and the
   * record of `respond(recipient)` commit together, a retry gets that stored response back,
   * and a request rejected by validation is never recorded.
   */
  async createIdempotent(
    input: CreateRecipientInput,
    actor: RecipientActor,
    request: IdempotentRequest,
    respond: (recipient: Recipient) => StoredResponse,
  ): Promise<{ response: StoredResponse; replayed: boolean }> {
    const draft = buildRecipientDraft(input);
    const outcome = await runIdempotent(this.deps.sql, request, async (tx) => {
      const created = await insertRecipient(tx, crypto.randomUUID(), draft, actor);
      return { response: respond(created), value: created };
    });
    return { response: outcome.response, replayed: outcome.replayed };
  }

  async get(id: string): Promise<Recipient> {
    const recipient = isUuid(id) ? await findRecipient(this.deps.sql, id.toLowerCase()) : undefined;
    if (!recipient) throw new NotFoundError(NOT_FOUND);
    return recipient;
  }

  /**
   * The recipient, to be shown with its account number: the read is recorded as a
   * `revealed` event of `actor`. The caller has checked the actor may reveal.
   */
  async reveal(id: string, actor: RecipientActor): Promise<Recipient> {
    const recipient = isUuid(id)
      ? await revealRecipient(this.deps.sql, id.toLowerCase(), actor)
      : undefined;
    if (!recipient) throw new NotFoundError(NOT_FOUND);
    return recipient;
  }

  async list(
    request: RecipientListRequest,
  ): Promise<{ recipients: Recipient[]; nextCursor: string | null }> {
    let after = null;
    if (request.cursor !== undefined) {
      after = decodeRecipientCursor(request.cursor) ?? null;
      if (!after) {
        throw new ValidationError([{ path: "cursor", message: "is not a cursor from this API" }]);
      }
    }
    const page = await listRecipients(this.deps.sql, {
      limit: request.limit ?? DEFAULT_PAGE_SIZE,
      after,
      type: request.type ?? null,
      currency: request.currency ?? null,
    });
    return {
      recipients: page.recipients,
      nextCursor: page.more && page.last ? encodeRecipientCursor(page.last) : null,
    };
  }

  /**
   * Applies a PATCH: checks run as 404, 400 (an account is judged against the recipient's
   * type), 412. The recipient is locked from the read to the write, so two PATCHes never
   * lose each other's fields. Payouts already made keep the details they copied.
   */
  async update(
    id: string,
    patch: PatchRecipientInput,
    ifMatch: IfMatch | null,
    actor: RecipientActor,
  ): Promise<Recipient> {
    if (!isUuid(id)) throw new NotFoundError(NOT_FOUND);
    const canonicalId = id.toLowerCase();
    return await inTransaction(this.deps.sql, async (tx) => {
      const current = await findRecipient(tx, canonicalId, { forUpdate: true });
      if (!current) throw new NotFoundError(NOT_FOUND);
      const draft = applyRecipientPatch(current, patch);
      checkIfMatch(current, ifMatch);
      const changes = describeRecipientChanges(current, draft);
      const target = { id: current.id, version: current.version };
      const updated = await updateRecipient(tx, target, draft, changes, actor);
      // Locked since it was read: it cannot have changed.
      if (!updated) throw new Error(`recipient ${current.id} changed while locked`);
      return updated;
    });
  }

  /** Deletes a recipient for the API; payouts that copied it keep their copy. */
  async delete(id: string, ifMatch: IfMatch | null, actor: RecipientActor): Promise<void> {
    if (!isUuid(id)) throw new NotFoundError(NOT_FOUND);
    const canonicalId = id.toLowerCase();
    const versions = ifMatch && !ifMatch.any
      ? ifMatch.etags.map((etag) => recipientEtagVersion(canonicalId, etag))
        .filter((version) => version !== undefined)
      : null;
    if (await deleteRecipient(this.deps.sql, canonicalId, versions, actor)) return;
    const current = await this.get(canonicalId); // gone: 404
    checkIfMatch(current, ifMatch);
    // Changed between the two statements: its new version did not match either.
    throw new PreconditionFailedError(recipientEtag(current));
  }

  async events(id: string): Promise<RecipientEvent[]> {
    const recipient = await this.get(id);
    return await listRecipientEvents(this.deps.sql, recipient.id);
  }
}

/** A transaction on a pool, or a savepoint when `sql` already is one. */
function inTransaction<R>(sql: Db, fn: (tx: Db) => Promise<R>): Promise<R> {
  return ("savepoint" in sql ? sql.savepoint(fn) : sql.begin(fn)) as Promise<R>;
}

function checkIfMatch(current: Recipient, ifMatch: IfMatch | null): void {
  if (!ifMatch || ifMatch.any) return;
  const etag = recipientEtag(current);
  if (!ifMatch.etags.includes(etag)) throw new PreconditionFailedError(etag);
}

/** The recipients payouts may reference by `recipient_id` (see PayoutService's deps). */
export const recipientDirectory: RecipientDirectory = {
  async find(db, id, options = {}): Promise<PayoutRecipient | undefined> {
    const recipient = await findRecipient(db, id, options);
    return recipient ? payoutRecipientOf(recipient) : undefined;
  },
};
