/** The payout API's request and response schemas; they are the OpenAPI documentation too. */
import { z } from "@hono/zod-openapi";
import {
  boundedText,
  codePoints,
  orNull,
  PageLimit,
  pageSchema,
  trimmedLengthPattern,
} from "../http/route_schemas.ts";
import { CURRENCY_CODES, currencyExponent } from "./currencies.ts";
import { isUuid } from "../ids.ts";
import { MAX_MAJOR_UNITS, parseAmount } from "./money.ts";
import { PAYOUT_EVENT_TYPES, PAYOUT_STATUSES } from "./payout.ts";

const compactJsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/** Fields clients see but cannot send: naming one in a body is a 400 saying so. */
export const PAYOUT_READ_ONLY_FIELDS = new Set([
  "id",
  "status",
  "failure_reason",
  "connector",
  "return_reason",
  "created_at",
  "updated_at",
]);

/** The most fraction digits any supported currency has (BHD, KWD...: 3). */
const MAX_EXPONENT = Math.max(...CURRENCY_CODES.map((code) => currencyExponent(code) ?? 0));

/**
 * The amount strings parseAmount accepts whatever the currency (up to MAX_EXPONENT fraction
 * digits), as one pattern: more than 0 and at most MAX_MAJOR_UNITS (a power of ten), no
 * leading zeros. tests/unit/schema_constraints_test.ts holds it to parseAmount.
 */
export const AMOUNT_PATTERN = (() => {
  const max = MAX_MAJOR_UNITS.toString();
  const fraction = `\\.[0-9]{1,${MAX_EXPONENT}}`;
  return `^(?:[1-9][0-9]{0,${max.length - 2}}(?:${fraction})?` +
    `|0\\.(?!0+$)[0-9]{1,${MAX_EXPONENT}}` +
    `|${max}(?:\\.0{1,${MAX_EXPONENT}})?)$`;
})();

const AMOUNT_RULES = `more than 0 and at most ${MAX_MAJOR_UNITS.toLocaleString("en")} in ` +
  "major units, with no more fraction digits than the currency's ISO 4217 minor unit " +
  "(USD 2, JPY 0, BHD 3)";

/** An amount as a decimal string: how answers write it, and how requests may. */
const AmountText = z.string().openapi({
  description: `Decimal string in major units, ${AMOUNT_RULES}.`,
  pattern: AMOUNT_PATTERN,
  example: "125.50",
});

const Amount = z.union([
  AmountText,
  z.number().openapi({
    description: `JSON number, read as its shortest round-trip decimal: ${AMOUNT_RULES}.`,
    exclusiveMinimum: 0,
    maximum: Number(MAX_MAJOR_UNITS),
    example: 125.5,
  }),
]).superRefine((amount, ctx) => {
  // What is wrong whatever the currency is judged here, so a PATCH of an unknown payout is a
  // 400 before it is a 404; the digits the payout's own currency allows are judged later.
  const parsed = parseAmount(amount, MAX_EXPONENT);
  if (parsed.ok) return;
  const message = /decimal places/.test(parsed.message)
    ? `must have at most ${MAX_EXPONENT} decimal places in any currency`
    : parsed.message;
  ctx.addIssue({ code: "custom", message });
}).openapi({
  description: `Decimal string (or JSON number) in major units, ${AMOUNT_RULES}; answers ` +
    "write it as a string with exactly the currency's fraction digits.",
  example: "125.50",
});

/**
 * An ISO 4217 code in any case, upper-cased; requests and answers share it, so a value read
 * can be sent back. A pattern, not an enum: the enum would refuse the lower and mixed case
 * the service accepts; the description lists the codes.
 */
export const Currency = z.string()
  .transform((code) => code.toUpperCase())
  .refine((code) => currencyExponent(code) !== undefined, {
    message: "must be an active ISO 4217 currency code such as USD",
  })
  .openapi("CurrencyCode", {
    description: "Active ISO 4217 code of a circulating currency, in any case (stored and " +
      `answered in upper case): ${CURRENCY_CODES.join(", ")}.`,
    pattern: "^[A-Za-z]{3}$",
    example: "USD",
  });

/** The most code points of a recipient's `account`, after trimming. */
export const MAX_ACCOUNT_LENGTH = 64;
/** The most bytes of `recipient_details` as compact UTF-8 JSON. */
export const MAX_RECIPIENT_DETAILS_BYTES = 2048;

/** Inline recipient details; also the `account` of a `test` recipient (src/recipients). */
export const RecipientDetails = z.object({
  account: z.string()
    .transform((account) => account.trim())
    .refine((account) => account.length > 0, { message: "must not be empty" })
    .refine((account) => codePoints(account) <= MAX_ACCOUNT_LENGTH, {
      message: `must be at most ${MAX_ACCOUNT_LENGTH} characters`,
    })
    .openapi({
      description: `1–${MAX_ACCOUNT_LENGTH} characters (Unicode code points) once leading ` +
        "and trailing white space is trimmed; stored trimmed. The simulated provider fails " +
        "an account starting with FAIL, and retries one starting with FLAKY.",
      minLength: 1,
      pattern: trimmedLengthPattern(MAX_ACCOUNT_LENGTH),
      example: "DE89370400440532013000",
    }),
}).catchall(z.string())
  .refine((details) => compactJsonBytes(details) <= MAX_RECIPIENT_DETAILS_BYTES, {
    message: `must be at most ${MAX_RECIPIENT_DETAILS_BYTES} bytes as compact JSON`,
  })
  .openapi("RecipientDetails", {
    description: "Where the money goes. `account` is required; other keys are free-form " +
      `strings. At most ${MAX_RECIPIENT_DETAILS_BYTES.toLocaleString("en")} bytes as ` +
      "compact UTF-8 JSON (after trimming `account`). In an answer about a payout made " +
      "with `recipient_id`: the copy of the recipient's details, `account` masked " +
      "(`•••• 3000`).",
    example: { account: "DE89370400440532013000", name: "Ada Lovelace" },
  });

const RecipientId = z.string()
  .refine(isUuid, { message: "must be a recipient id (a UUID)" })
  .transform((id) => id.toLowerCase())
  .openapi({
    description: "A stored recipient (`/api/recipients/`) to pay instead of inline " +
      "`recipient_details`: the payout keeps a copy of its details as they are now.",
    type: "string",
    format: "uuid",
    example: "7d9f2b1e-3c4a-4e8b-9f10-2a6b5c7d8e90",
  });

/** Whether a body (any JSON value) has the key; refinements below also see invalid bodies. */
const has = (body: unknown, key: string) =>
  typeof body === "object" && body !== null && key in body &&
  (body as Record<string, unknown>)[key] !== undefined;

/** Both `recipient_details` and `recipient_id`: each is named. */
function noBothRecipients(body: unknown, ctx: z.RefinementCtx) {
  if (!has(body, "recipient_details") || !has(body, "recipient_id")) return;
  for (
    const [path, other] of [["recipient_details", "recipient_id"], [
      "recipient_id",
      "recipient_details",
    ]]
  ) {
    ctx.addIssue({ code: "custom", path: [path], message: `must not be given with ${other}` });
  }
}

const Description = boundedText("Free text", "Invoice 2026-113");

const SCHEDULE_RULES = "RFC 3339 with an offset or `Z`, in the future and at most one year " +
  "(365 days) ahead";

const ScheduledFor = z.iso.datetime({ offset: true, message: "must be an RFC 3339 timestamp" })
  .transform((text) => new Date(text))
  .refine((at) => !Number.isNaN(at.getTime()), { message: "must be an RFC 3339 timestamp" })
  .openapi({
    description: `Not processed before this time (${SCHEDULE_RULES}); processing follows ` +
      "within seconds of it.",
    format: "date-time",
    example: "2026-12-24T09:00:00Z",
  });

const RequiresApproval = z.boolean().openapi({
  description: "Hold the payout in `needs_approval` until a second key approves it, whatever " +
    "the amount (amounts at or above the currency's configured threshold always need it).",
  example: false,
});

export const CreatePayoutBody = z.strictObject({
  amount: Amount,
  currency: Currency,
  recipient_details: RecipientDetails.optional().openapi({
    description: "Where the money goes; required unless `recipient_id` is given instead.",
  }),
  recipient_id: RecipientId.optional(),
  description: Description.optional(),
  scheduled_for: ScheduledFor.optional(),
  requires_approval: RequiresApproval.optional(),
})
  // Run whatever else is wrong, so a body missing several fields names each (`when`).
  .superRefine(noBothRecipients, { when: () => true })
  .refine((body) => has(body, "recipient_details") || has(body, "recipient_id"), {
    path: ["recipient_details"],
    message: "is required",
    when: () => true,
  })
  .openapi("CreatePayout", {
    description: "Exactly one of `recipient_details` (inline) and `recipient_id` (a stored " +
      "recipient, whose details are copied).",
  });

export const PatchPayoutBody = z.strictObject({
  amount: Amount.optional(),
  currency: Currency.optional(),
  recipient_details: RecipientDetails.optional().openapi({
    description: "New inline details; a payout that paid a stored recipient no longer does.",
  }),
  recipient_id: RecipientId.optional().openapi({
    description: "Pay this stored recipient instead, as it is now (a new copy of its details).",
  }),
  description: Description.optional(),
  scheduled_for: orNull(ScheduledFor).optional().openapi({
    description: `A new time (${SCHEDULE_RULES}), or null to process at once.`,
  }),
})
  .superRefine(noBothRecipients, { when: () => true })
  .refine((body) => Object.keys(body).length > 0, {
    message: "must change at least one of amount, currency, recipient_details, " +
      "recipient_id, description, scheduled_for",
  }).openapi("PatchPayout", {
    description: "At least one field; at most one of `recipient_details` and `recipient_id`.",
    minProperties: 1,
  });

export const ApprovePayoutBody = z.strictObject({}).openapi("ApprovePayout");

export const RejectPayoutBody = z.strictObject({
  reason: boundedText("Why; becomes the payout's `failure_reason`", "Duplicate").optional(),
}).openapi("RejectPayout");

export const PayoutStatusSchema = z.enum(PAYOUT_STATUSES).openapi("PayoutStatus");

export const PayoutSchema = z.object({
  id: z.uuid().openapi({ example: "0b7c2f2e-5d8c-4f5e-9a57-2f4f0f6d7a10" }),
  amount: AmountText,
  currency: Currency,
  recipient_details: RecipientDetails,
  recipient_id: z.uuid().nullable().openapi({
    description: "The stored recipient the details were copied from; null when given inline. " +
      "When set, `recipient_details` is that copy with its `account` masked (`•••• 3000`).",
    example: null,
  }),
  description: z.string(),
  status: PayoutStatusSchema,
  failure_reason: z.string().nullable().openapi({
    description: "Why it failed or was rejected; null otherwise.",
  }),
  connector: z.string().nullable().openapi({
    description: "The payment rail it was sent through (`simulated`, `sepa_file`), chosen by " +
      "the routing rules when processing starts; null until then.",
    example: "sepa_file",
  }),
  return_reason: z.string().nullable().openapi({
    description: "Why the recipient's bank sent the money back (ISO reason code and the " +
      "bank's words), once `returned`; null otherwise.",
    example: "AC04 (closed account): account closed on 2026-02-28",
  }),
  scheduled_for: z.string().nullable().openapi({
    format: "date-time",
    description: "Not processed before this time; null: at once.",
    example: null,
  }),
  requires_approval: z.boolean().openapi({
    description: "Whether the client asked for an approval whatever the amount.",
  }),
  created_at: z.string().openapi({ format: "date-time" }),
  updated_at: z.string().openapi({
    format: "date-time",
    description: "When it last changed; equal to created_at until its first change.",
  }),
}).openapi("Payout");

export const PayoutListSchema = pageSchema(PayoutSchema, "PayoutList");

export const ListQuerySchema = z.strictObject({
  limit: PageLimit,
  cursor: z.string().optional().openapi({ description: "`next_cursor` of the previous page." }),
  status: PayoutStatusSchema.optional().openapi({ description: "Only payouts in this status." }),
  currency: Currency.optional().openapi({ description: "Only payouts in this currency." }),
  scheduled: z.enum(["true", "false"], { message: "must be true or false" })
    .transform((value) => value === "true")
    .optional()
    .openapi({
      type: "string",
      enum: ["true", "false"],
      description: "true: only scheduled payouts; false: only those without a schedule.",
    }),
});

export const PayoutIdParams = z.object({
  id: z.string().openapi({
    param: { name: "id", in: "path" },
    description: "The payout's id (a malformed one is a 404).",
    format: "uuid",
    example: "0b7c2f2e-5d8c-4f5e-9a57-2f4f0f6d7a10",
  }),
});

export const PayoutEventSchema = z.object({
  type: z.enum(PAYOUT_EVENT_TYPES),
  from_status: z.string().nullable().openapi({
    description: "The status before the event (`canceled` included); null when it has none.",
    example: "pending",
  }),
  to_status: z.string().nullable().openapi({
    description: "The status after the event (`canceled` included); null when it has none.",
    example: "processing",
  }),
  actor: z.string().openapi({ example: "api:billing" }),
  at: z.string().openapi({ format: "date-time" }),
  detail: z.record(z.string(), z.unknown()),
}).openapi("PayoutEvent");

export const PayoutEventListSchema = z.object({ results: z.array(PayoutEventSchema) })
  .openapi("PayoutEventList");
