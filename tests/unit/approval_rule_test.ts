import assert from "node:assert/strict";
import { needsApproval, parseThresholds } from "../../src/payouts/approval_rule.ts";
import { checkSchedule, MAX_SCHEDULE_AHEAD_MS } from "../../src/payouts/payout_rules.ts";
import { ValidationError } from "../../src/errors.ts";

Deno.test("APPROVAL_THRESHOLDS parses per-currency amounts in major units", () => {
  const thresholds = parseThresholds(" usd=10000, JPY = 500000 ,BHD=1.250");
  assert.deepEqual([...thresholds], [["USD", 1_000_000n], ["JPY", 500_000n], ["BHD", 1250n]]);
  assert.equal(parseThresholds("").size, 0);
  assert.equal(parseThresholds("  ").size, 0);
});

Deno.test("APPROVAL_THRESHOLDS refuses what it cannot read, saying why", async (t) => {
  const cases: [string, RegExp][] = [
    ["USD", /not CURRENCY=AMOUNT/],
    ["USD=", /not CURRENCY=AMOUNT/],
    ["XTS=10", /XTS is not a supported currency/],
    ["JPY=1.5", /JPY threshold 1.5/],
    ["USD=-5", /USD threshold/],
    ["USD=10,usd=20", /USD is given twice/],
    ["USD=10,,EUR=5", /not CURRENCY=AMOUNT/],
  ];
  for (const [text, message] of cases) {
    await t.step(text, () => assert.throws(() => parseThresholds(text), message));
  }
});

Deno.test("a payout needs approval when asked or at or above its currency's threshold", () => {
  const thresholds = parseThresholds("USD=10000");
  const usd = (amountMinor: bigint, requiresApproval = false) => ({
    amountMinor,
    currency: "USD",
    requiresApproval,
  });
  assert.equal(needsApproval(usd(999_999n), thresholds), false);
  assert.equal(needsApproval(usd(1_000_000n), thresholds), true, "at the threshold");
  assert.equal(needsApproval(usd(1_000_001n), thresholds), true);
  assert.equal(needsApproval(usd(1n, true), thresholds), true, "asked for");
  // No threshold for EUR: only the request's flag counts.
  assert.equal(
    needsApproval(
      { amountMinor: 10n ** 12n, currency: "EUR", requiresApproval: false },
      thresholds,
    ),
    false,
  );
});

Deno.test("scheduled_for must be in the future and at most a year ahead", () => {
  const now = new Date("2026-12-03T12:00:00Z");
  const fails = (at: Date, message: RegExp) =>
    assert.throws(
      () => checkSchedule(at, now),
      (error) =>
        error instanceof ValidationError && error.errors[0].path === "scheduled_for" &&
        message.test(error.errors[0].message),
    );
  checkSchedule(null, now);
  checkSchedule(new Date(now.getTime() + 1), now);
  checkSchedule(new Date(now.getTime() + MAX_SCHEDULE_AHEAD_MS), now);
  fails(now, /in the future/);
  fails(new Date(now.getTime() - 60_000), /in the future/);
  fails(new Date(now.getTime() + MAX_SCHEDULE_AHEAD_MS + 1), /one year/);
});
