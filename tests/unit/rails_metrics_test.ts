/** The worker's metrics of the payout rails: connector outcomes, SEPA files and bank reports. */
import assert from "node:assert/strict";
import type { Connector, ConnectorResult } from "../../src/connectors/connector.ts";
import { createWorkerMetrics } from "../../src/metrics/worker_metrics.ts";

function connector(name: string, answers: (ConnectorResult | Error)[]): Connector {
  return {
    name,
    currencies: "*",
    recipientTypes: ["test"],
    answersLater: false,
    pay: () => {
      const answer = answers.shift()!;
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    wasPaid: () => Promise.resolve(false),
  };
}

const ORDER = {
  payoutId: crypto.randomUUID(),
  amountMinor: 100n,
  amount: "1.00",
  currency: "EUR",
  recipientType: "test" as const,
  recipient: { account: "x" },
  description: "",
};

/** The value of one series in the registry's text format. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

Deno.test("connector calls are counted by connector and outcome, every series there from the start", async () => {
  const metrics = createWorkerMetrics();
  const bank = metrics.meterConnector(connector("bank", [
    { outcome: "refused", reason: "no" },
    { outcome: "submitted" },
    new Error("socket hang up"),
  ]));
  assert.equal(bank.name, "bank");
  await bank.pay(ORDER);
  await bank.pay(ORDER);
  await assert.rejects(bank.pay(ORDER), /socket hang up/);
  const text = await metrics.registry.metrics();
  const series = (outcome: string) =>
    `payouts_connector_outcomes_total{connector="bank",outcome="${outcome}"}`;
  assert.equal(sample(text, series("refused")), 1);
  assert.equal(sample(text, series("submitted")), 1);
  assert.equal(sample(text, series("error")), 1);
  assert.equal(sample(text, series("paid")), 0);
  assert.equal(
    sample(text, `payouts_provider_call_duration_seconds_count{outcome="submitted"}`),
    1,
  );
});

Deno.test("SEPA files, bank reports and confirmation times are counted", async () => {
  const metrics = createWorkerMetrics();
  let text = await metrics.registry.metrics();
  assert.equal(sample(text, "sepa_files_uploaded_total"), 0);
  assert.equal(sample(text, `sepa_bank_reports_total{kind="camt.054",outcome="failed"}`), 0);
  metrics.onSepaFileUploaded();
  metrics.onBankReport("pain.002", "applied");
  metrics.onBankReport("pain.002", "applied");
  metrics.onBankReport("unknown", "ignored");
  metrics.onBankConfirmation(3_600);
  text = await metrics.registry.metrics();
  assert.equal(sample(text, "sepa_files_uploaded_total"), 1);
  assert.equal(sample(text, `sepa_bank_reports_total{kind="pain.002",outcome="applied"}`), 2);
  assert.equal(sample(text, `sepa_bank_reports_total{kind="unknown",outcome="ignored"}`), 1);
  assert.equal(sample(text, "payouts_bank_confirmation_seconds_count"), 1);
  assert.equal(sample(text, `payouts_bank_confirmation_seconds_bucket{le="3600"}`), 1);
  assert.equal(sample(text, `payouts_bank_confirmation_seconds_bucket{le="1800"}`), 0);
  assert.equal(sample(text, `payouts_jobs_total{result="submitted"}`), 0);
});
