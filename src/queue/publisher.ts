/** What the payout service needs from the queue: news that a payout awaits processing. */
export interface JobPublisher {
  /**
   * Appends the job for a newly committed payout to the stream. Never throws: a failure
   * leaves the outbox row in place for the relay to publish later.
   */
  publishCreated(payoutId: string, outboxId: string): Promise<void>;
}
