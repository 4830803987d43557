/** Realistic sample payouts for `deno task seed`: amounts, currencies, recipients, history. */
import { currencyExponent } from "../../src/payouts/currencies.ts";
import { formatMinor } from "../../src/payouts/money.ts";
import type { HistoricalPayout, SeedEvent, SeedPayout } from "./seed.repository.ts";

// Weighted towards the common currencies; JPY (0 digits) and BHD (3) keep formatting honest.
const CURRENCIES = ["USD", "USD", "USD", "EUR", "EUR", "GBP", "JPY", "BHD"];
const IBAN_COUNTRIES = [["DE", 18], ["FR", 23], ["GB", 18], ["NL", 14], ["ES", 20]] as const;
const NAMES = ["Acme GmbH", "Jane Doe", "Globex Ltd", "Initech BV", "María García", "山田太郎"];
const DESCRIPTIONS = [
  (n: number) => `Invoice INV-${n}`,
  (n: number) => `Marketplace earnings, week ${(n % 52) + 1}`,
  (n: number) => `Refund for order #${n}`,
  (n: number) => `Affiliate commission ${2020 + (n % 6)}-Q${(n % 4) + 1}`,
];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const digits = (n: number) =>
  Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join("");

/** An IBAN-shaped account; a few use the provider's test prefixes so every outcome shows up. */
function sampleAccount(): string {
  const roll = Math.random();
  if (roll < 0.01) return `FAIL-${digits(10)}`;
  if (roll < 0.03) return `FLAKY-${digits(10)}`;
  const [country, length] = pick(IBAN_COUNTRIES);
  return `${country}${digits(2)}${digits(length)}`;
}

/** A new payout as a client would create it. */
export function samplePayout(): SeedPayout {
  const currency = pick(CURRENCIES);
  const exponent = currencyExponent(currency)!;
  // Log-uniform from 1 to 100,000 major units: mostly small payouts, a few large ones.
  const major = Math.exp(Math.random() * Math.log(100_000));
  const minor = BigInt(Math.max(1, Math.round(major * 10 ** exponent)));
  const recipientDetails: Record<string, string> = { account: sampleAccount() };
  if (Math.random() < 0.7) recipientDetails.name = pick(NAMES);
  const n = Math.floor(Math.random() * 1_000_000);
  return {
    id: crypto.randomUUID(),
    amount: formatMinor(minor, exponent),
    currency,
    recipientDetails,
    description: Math.random() < 0.6 ? pick(DESCRIPTIONS)(n) : "",
  };
}

/** How a finished payout of the past ended, and how often (a live service's mix). */
const OUTCOMES = [
  { status: "completed", share: 0.92 },
  { status: "failed", share: 0.04 },
  { status: "canceled", share: 0.03 },
  { status: "rejected", share: 0.01 },
] as const;
const FAILURE_REASONS = ["account closed", "invalid account number", "recipient bank declined"];
/** How far back the history reaches: months, so time-ordered indexes span a real range. */
export const HISTORY_DAYS = 180;
const DAY_MS = 86_400_000;

function sampleOutcome(): HistoricalPayout["status"] {
  let roll = Math.random();
  for (const outcome of OUTCOMES) {
    if (roll < outcome.share) return outcome.status;
    roll -= outcome.share;
  }
  return "completed";
}

/**
 * A payout of the last HISTORY_DAYS days that has already reached its end: mostly completed,
 * some failed, canceled or rejected, with the audit trail each path leaves.
 */
export function sampleHistoricalPayout(now: number, actor: string): {
  payout: HistoricalPayout;
  events: SeedEvent[];
} {
  const base = samplePayout();
  const status = sampleOutcome();
  const createdAt = new Date(now - Math.random() * HISTORY_DAYS * DAY_MS);
  // Processing took tens of milliseconds to a few seconds after creation.
  const claimedAt = new Date(createdAt.getTime() + 5 + Math.random() * 200);
  const finishedAt = new Date(claimedAt.getTime() + 20 + Math.random() * 3000);
  const worker = `worker:${actor}`;
  const created = (to: string): SeedEvent => ({
    payoutId: base.id,
    type: "created",
    fromStatus: null,
    toStatus: to,
    actor,
    at: createdAt,
    detail: { amount: base.amount, currency: base.currency },
  });
  const change = (
    type: string,
    from: string,
    to: string,
    at: Date,
    by: string,
    detail: Record<string, string> = {},
  ): SeedEvent => ({
    payoutId: base.id,
    type,
    fromStatus: from,
    toStatus: to,
    actor: by,
    at,
    detail,
  });
  let events: SeedEvent[];
  let failureReason: string | null = null;
  let attempts = 1;
  if (status === "completed") {
    events = [
      created("pending"),
      change("status_changed", "pending", "processing", claimedAt, worker),
      change("status_changed", "processing", "completed", finishedAt, worker),
    ];
  } else if (status === "failed") {
    failureReason = pick(FAILURE_REASONS);
    attempts = 1 + Math.floor(Math.random() * 3);
    events = [
      created("pending"),
      change("status_changed", "pending", "processing", claimedAt, worker),
      change("status_changed", "processing", "failed", finishedAt, worker, {
        reason: failureReason,
      }),
    ];
  } else if (status === "canceled") {
    attempts = 0;
    events = [created("pending"), change("canceled", "pending", "canceled", finishedAt, actor)];
  } else {
    failureReason = "rejected by reviewer";
    attempts = 0;
    events = [
      created("needs_approval"),
      change("rejected", "needs_approval", "rejected", finishedAt, actor, {
        reason: failureReason,
      }),
    ];
  }
  return {
    payout: {
      ...base,
      status,
      failureReason,
      // One bump per change after the creation.
      version: events.length,
      attempts,
      createdAt,
      updatedAt: finishedAt,
    },
    events,
  };
}
