/**
 * Payouts as the console shows and changes them. The list is the API's list (the payouts
 * repository's) with a creation date range; every change goes through PayoutService, so
 * the console obeys the same rules (pending only, four eyes, conditional updates) as the API.
 */
import type { Redis } from "ioredis";
import { findPayoutFile, type PayoutFile } from "../connectors/sepa_file/sepa_files.repository.ts";
import { ValidationError } from "../errors.ts";
import type { Db } from "../db/types.ts";
import { decodeCursor, encodeCursor } from "../payouts/cursor.ts";
import type { Payout, PayoutEvent, PayoutStatus } from "../payouts/payout.ts";
import { listPayouts } from "../payouts/payouts.repository.ts";
import type { PayoutService } from "../payouts/payouts.service.ts";
import type { StreamNames } from "../queue/stream_names.ts";
import { findDeadLetterOf, type ShownDeadLetter, withPermanence } from "./dead_letter_lookup.ts";
import { actorOf, type Operator } from "./operator.ts";

export interface PayoutFilter {
  status: PayoutStatus | null;
  currency: string | null;
  createdFrom: Date | null;
  createdBefore: Date | null;
  cursor: string | null;
}

export const CONSOLE_PAGE_SIZE = 25;

/** What a payout's page shows. */
export interface PayoutDetail {
  payout: Payout;
  events: PayoutEvent[];
  /** The bank file it went in, if any. */
  file: PayoutFile | null;
  /** A failed payout's dead letter, if it is still in the dead-letter stream. */
  deadLetter: ShownDeadLetter | null;
}

export interface ConsolePayoutServiceDeps {
  sql: Db;
  redis: Redis;
  names: StreamNames;
  payouts: PayoutService;
}

export class ConsolePayoutService {
  constructor(private readonly deps: ConsolePayoutServiceDeps) {}

  async list(filter: PayoutFilter): Promise<{ payouts: Payout[]; nextCursor: string | null }> {
    const after = filter.cursor === null ? null : decodeCursor(filter.cursor);
    if (after === undefined) {
      throw new ValidationError([{ path: "cursor", message: "is not a cursor from this page" }]);
    }
    const page = await listPayouts(this.deps.sql, {
      limit: CONSOLE_PAGE_SIZE,
      after,
      status: filter.status,
      currency: filter.currency,
      scheduled: null,
      createdFrom: filter.createdFrom,
      createdBefore: filter.createdBefore,
    });
    return {
      payouts: page.payouts,
      nextCursor: page.more && page.last ? encodeCursor(page.last) : null,
    };
  }

  /**
   * A payout, its audit trail (oldest event first), the bank file it went in and, once it
   * failed, its dead letter; NotFoundError when unknown.
   */
  async get(id: string): Promise<PayoutDetail> {
    const payout = await this.deps.payouts.get(id);
    const [events, file, deadLetter] = await Promise.all([
      this.deps.payouts.events(payout.id),
      payout.recipientType === "sepa" ? findPayoutFile(this.deps.sql, payout.id) : null,
      payout.status === "failed" ? this.deadLetterOf(payout) : null,
    ]);
    return { payout, events, file, deadLetter };
  }

  private async deadLetterOf(payout: Payout): Promise<ShownDeadLetter | null> {
    const { sql, redis, names } = this.deps;
    const entry = await findDeadLetterOf(redis, names, payout.id, payout.updatedAt);
    return entry ? (await withPermanence(sql, [entry]))[0] : null;
  }

  cancel(id: string, operator: Operator): Promise<void> {
    return this.deps.payouts.cancel(id, null, actorOf(operator));
  }

  approve(id: string, operator: Operator): Promise<Payout> {
    return this.deps.payouts.approve(id, null, actorOf(operator));
  }

  reject(id: string, reason: string | undefined, operator: Operator): Promise<Payout> {
    return this.deps.payouts.reject(id, reason, null, actorOf(operator));
  }
}
