/**
 * The numbers the console's overview shows: the ops snapshot (src/ops/snapshot.ts) plus
 * payouts by status and per minute. Each source (Postgres, Redis) is bounded by a short
 * timeout and may be missing, so the overview still answers, saying which source is down,
 * while Redis or Postgres is.
 */
import {
  countPayoutsByStatus,
  type MinuteCounts,
  throughputPerMinute,
} from "../payouts/payout_counts.repository.ts";
import { type OpsSnapshot, type OpsSource, readOpsSnapshot } from "../ops/snapshot.ts";

export const CHART_MINUTES = 60;

/** What the overview adds to the snapshot's Postgres figures. */
export interface PayoutFigures {
  payoutsByStatus: Record<string, number>;
  perMinute: MinuteCounts[];
}

export type Overview = OpsSnapshot<PayoutFigures>;

export interface OverviewDeps extends OpsSource {
  /** Bound on each source; 2 s unless set. */
  timeoutMs?: number;
}

export class ConsoleOverviewService {
  constructor(private readonly deps: OverviewDeps) {}

  /** One snapshot of both sources, each left out if it fails or is slow. */
  read(): Promise<Overview> {
    return readOpsSnapshot(this.deps, {
      timeoutMs: this.deps.timeoutMs ?? 2000,
      database: async (sql): Promise<PayoutFigures> => {
        const [payoutsByStatus, perMinute] = await Promise.all([
          countPayoutsByStatus(sql),
          throughputPerMinute(sql, CHART_MINUTES),
        ]);
        return { payoutsByStatus, perMinute };
      },
    });
  }
}
