/** What the benchmark sends: one realistic payout body, the same for every client. */

/** A typical create request (the API and the raw measurement use the same one). */
export const SAMPLE_PAYOUT = {
  amount: "125.50",
  currency: "USD",
  recipient_details: { account: "DE89370400440532013000", name: "Benchmark Recipient" },
  description: "benchmark payout",
};

/** The JSON body of a create request. */
export const SAMPLE_BODY = JSON.stringify(SAMPLE_PAYOUT);
