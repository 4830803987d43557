/** What the payout service needs from the queue: news that a payout awaits processing. */
export interface JobPublisher {
  /**
   * Appends the job for a newly committed payout to the stream. Never throws: a failure
   * leaves the outbox row in place for the relay to publish later.
   */
  publishCreated(payoutId: string, outboxId: string): Promise<void>;
  /**
   * Appends the jobs of payouts that committed together, in one round trip. Never throws:
   * on a failure every outbox row stays in place for the relay.
   */
  publishCreatedMany(jobs: readonly CreatedJob[]): Promise<void>;
}

/** A committed payout whose job is to be published, and its outbox row. */
export interface CreatedJob {
  payoutId: string;
  outboxId: string;
}
