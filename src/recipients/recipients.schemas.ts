/** The recipient API's request and response schemas; they are the OpenAPI documentation too. */
import { z } from "@hono/zod-openapi";
import {
  codePoints,
  orNull,
  PageLimit,
  pageSchema,
  trimmedLengthPattern,
} from "../http/route_schemas.ts";
import { MASK } from "../bank_accounts/account_mask.ts";
import { Currency } from "../payouts/payouts.schemas.ts";
import { RECIPIENT_ACTIONS, RECIPIENT_TYPES } from "./recipient.ts";
import { SepaAccountInput, TestAccountInput } from "./recipient_accounts.ts";

/** Fields clients see but cannot send: naming one in a body is a 400 saying so. */
export const RECIPIENT_READ_ONLY_FIELDS = new Set(["id", "created_at", "updated_at", "type"]);

/** The SEPA limit of a creditor's name (`Cdtr/Nm`, Max70Text). */
export const MAX_NAME_LENGTH = 70;
export const MAX_METADATA_KEYS = 20;
export const MAX_METADATA_KEY_LENGTH = 40;
export const MAX_METADATA_VALUE_LENGTH = 500;

const RECIPIENT_ID_EXAMPLE = "7d9f2b1e-3c4a-4e8b-9f10-2a6b5c7d8e90";
const SEPA_ONLY_EUR = "must be EUR: SEPA credit transfers are in euros";

const Name = z.string()
  .transform((name) => name.trim())
  .refine((name) => name.length > 0, { message: "must not be empty" })
  .refine((name) => codePoints(name) <= MAX_NAME_LENGTH, {
    message: `must be at most ${MAX_NAME_LENGTH} characters (the SEPA limit)`,
  })
  .openapi({
    description: `Who is paid, 1–${MAX_NAME_LENGTH} characters (Unicode code points, the ` +
      "SEPA limit) once leading and trailing white space is trimmed; stored trimmed.",
    minLength: 1,
    pattern: trimmedLengthPattern(MAX_NAME_LENGTH),
    example: "Ada Lovelace",
  });

/** The one currency a recipient may be paid in, or null for any. */
const BoundCurrency = orNull(Currency).openapi({
  description: "The one currency the recipient may be paid in (ISO 4217, any case); null or " +
    "absent: any. A payout in another currency is a 400.",
  example: "USD",
});

const SepaCurrency = z.string({ error: SEPA_ONLY_EUR })
  .transform((code) => code.toUpperCase())
  .refine((code) => code === "EUR", { message: SEPA_ONLY_EUR })
  .openapi({
    description: "EUR (in any case), the only currency of SEPA credit transfers (the default).",
    pattern: "^[Ee][Uu][Rr]$",
    example: "EUR",
  });

// The lengths are documented on key and value and judged below, in code points.
const Metadata = z.record(
  z.string().openapi({ minLength: 1, maxLength: MAX_METADATA_KEY_LENGTH }),
  z.string().openapi({ maxLength: MAX_METADATA_VALUE_LENGTH }),
)
  .superRefine((metadata, ctx) => {
    const keys = Object.keys(metadata);
    if (keys.length > MAX_METADATA_KEYS) {
      ctx.addIssue({ code: "custom", message: `must have at most ${MAX_METADATA_KEYS} keys` });
    }
    for (const key of keys) {
      // Values of the wrong type were named already; this judges lengths.
      if (typeof metadata[key] !== "string") continue;
      if (key.length === 0 || codePoints(key) > MAX_METADATA_KEY_LENGTH) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `keys must be 1–${MAX_METADATA_KEY_LENGTH} characters`,
        });
      } else if (codePoints(metadata[key]) > MAX_METADATA_VALUE_LENGTH) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `must be at most ${MAX_METADATA_VALUE_LENGTH} characters`,
        });
      }
    }
  })
  .openapi("RecipientMetadata", {
    description: `Your own labels: at most ${MAX_METADATA_KEYS} keys of 1–` +
      `${MAX_METADATA_KEY_LENGTH} characters, each with a string value of at most ` +
      `${MAX_METADATA_VALUE_LENGTH} characters (Unicode code points).`,
    maxProperties: MAX_METADATA_KEYS,
    example: { customer_id: "cus_1138" },
  });

const CreateSepaRecipient = z.strictObject({
  name: Name,
  type: z.literal("sepa"),
  currency: SepaCurrency.optional(),
  account: SepaAccountInput,
  metadata: Metadata.optional(),
}).openapi("CreateSepaRecipient", {
  example: {
    name: "Ada Lovelace",
    type: "sepa",
    account: { iban: "DE89 3704 0044 0532 0130 00", bic: "COBADEFFXXX" },
    metadata: { customer_id: "cus_1138" },
  },
});

const CreateTestRecipient = z.strictObject({
  name: Name,
  type: z.literal("test"),
  currency: BoundCurrency.optional(),
  account: TestAccountInput,
  metadata: Metadata.optional(),
}).openapi("CreateTestRecipient", {
  description: "Paid by the simulated provider; `account` follows the rules of a payout's " +
    "inline `recipient_details` (an `account` starting with FAIL fails, FLAKY retries).",
  example: { name: "Test Recipient", type: "test", currency: "USD", account: { account: "T-1" } },
});

export const CreateRecipientBody = z.discriminatedUnion("type", [
  CreateSepaRecipient,
  CreateTestRecipient,
], { error: "must be sepa or test" }).openapi("CreateRecipientBody", {
  description: "A recipient of one `type`, whose `account` has that type's shape.",
});

export const PatchRecipientBody = z.strictObject({
  name: Name.optional(),
  currency: orNull(Currency).optional().openapi({
    description: "A new currency (any case), or null for any (test recipients; sepa ones " +
      "stay EUR).",
  }),
  account: z.record(z.string(), z.unknown()).optional().openapi({
    description: "New bank details, of the recipient's type: `{iban, bic?}` for sepa " +
      "(see SepaAccount), `{account, …}` for test (see RecipientDetails). Payouts already " +
      "made keep the details they copied.",
    example: { iban: "FR14 2004 1010 0505 0001 3M02 606" },
  }),
  metadata: Metadata.optional().openapi({
    description: "Replaces the whole map; `{}` removes every key.",
  }),
}).refine((body) => Object.keys(body).length > 0, {
  message: "must change at least one of name, currency, account, metadata",
}).openapi("PatchRecipientBody", { minProperties: 1, example: { name: "Ada King" } });

export const RecipientTypeSchema = z.enum(RECIPIENT_TYPES).openapi("RecipientType", {
  description: "`sepa`: paid by SEPA credit transfer, in EUR; `test`: by the simulated " +
    "provider.",
});

const MaskedSepaAccount = z.object({
  iban: z.string().openapi({
    description: `Masked: \`${MASK}\`, a space and the IBAN's last four characters, unless ` +
      "revealed (`?reveal=true`), then in electronic format.",
    example: `${MASK} 3000`,
  }),
  bic: z.string().optional().openapi({ example: "COBADEFFXXX" }),
}).openapi("SepaAccountView");

const MaskedTestAccount = z.object({
  account: z.string().openapi({
    description: `Masked like an IBAN (\`${MASK} 1234\`; \`${MASK}\` alone under 8 ` +
      "characters), unless revealed.",
    example: `${MASK} 4411`,
  }),
}).catchall(z.string()).openapi("TestAccountView");

export const RecipientSchema = z.object({
  id: z.uuid().openapi({ example: RECIPIENT_ID_EXAMPLE }),
  name: z.string().openapi({ example: "Ada Lovelace" }),
  type: RecipientTypeSchema,
  currency: orNull(Currency).openapi({
    description: "The one currency it may be paid in; null: any. Always EUR for sepa.",
    example: "EUR",
  }),
  account: z.union([MaskedSepaAccount, MaskedTestAccount]).openapi({
    description: "The bank details, their account number masked (`•••• 3000`) except on " +
      "`GET /recipients/{id}/?reveal=true`.",
  }),
  metadata: z.record(z.string(), z.string()).openapi({ example: { customer_id: "cus_1138" } }),
  created_at: z.string().openapi({ format: "date-time", example: "2026-12-03T13:11:09.123Z" }),
  updated_at: z.string().openapi({
    format: "date-time",
    description: "When it last changed; equal to created_at until its first change.",
    example: "2026-12-03T13:11:09.123Z",
  }),
}).openapi("Recipient", {
  example: {
    id: RECIPIENT_ID_EXAMPLE,
    name: "Ada Lovelace",
    type: "sepa",
    currency: "EUR",
    account: { iban: `${MASK} 3000`, bic: "COBADEFFXXX" },
    metadata: { customer_id: "cus_1138" },
    created_at: "2026-12-03T13:11:09.123Z",
    updated_at: "2026-12-03T13:11:09.123Z",
  },
});

export const RecipientListSchema = pageSchema(RecipientSchema, "RecipientList");

export const RecipientListQuery = z.strictObject({
  limit: PageLimit,
  cursor: z.string().optional().openapi({ description: "`next_cursor` of the previous page." }),
  type: RecipientTypeSchema.optional().openapi({ description: "Only recipients of this type." }),
  currency: Currency.optional().openapi({
    description: "Only recipients bound to this currency (any case).",
  }),
});

export const GetRecipientQuery = z.strictObject({
  reveal: z.enum(["true", "false"], { message: "must be true or false" })
    .transform((value) => value === "true")
    .optional()
    .openapi({
      type: "string",
      enum: ["true", "false"],
      description: "true: show the account number unmasked. Needs the scope " +
        "`recipients:reveal` besides `recipients:read`, and is recorded in the recipient's " +
        "audit trail (`revealed`).",
    }),
});

export const RecipientIdParams = z.object({
  id: z.string().openapi({
    param: { name: "id", in: "path" },
    description: "The recipient's id (a malformed one is a 404).",
    format: "uuid",
    example: RECIPIENT_ID_EXAMPLE,
  }),
});

export const RecipientEventSchema = z.object({
  action: z.enum(RECIPIENT_ACTIONS),
  actor: z.string().openapi({ example: "api:billing" }),
  at: z.string().openapi({ format: "date-time" }),
  request_id: z.string().nullable().openapi({
    description: "The X-Request-Id of the request that did it.",
    example: "5b0e4f7c-6a1d-4c3e-9b2a-8f7d6e5c4b3a",
  }),
  detail: z.record(z.string(), z.unknown()).openapi({
    description: "What changed (never an account number).",
    example: { changes: { name: true } },
  }),
}).openapi("RecipientEvent");

export const RecipientEventListSchema = z.object({ results: z.array(RecipientEventSchema) })
  .openapi("RecipientEventList");
