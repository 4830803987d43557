import assert from "node:assert/strict";
import { ValidationError } from "../../src/errors.ts";
import type { Recipient } from "../../src/recipients/recipient.ts";
import {
  applyRecipientPatch,
  buildRecipientDraft,
  describeRecipientChanges,
  payoutRecipientOf,
} from "../../src/recipients/recipient_rules.ts";
import { parseAccount } from "../../src/recipients/recipient_accounts.ts";

function recipient(fields: Partial<Recipient> = {}): Recipient {
  return {
    id: crypto.randomUUID(),
    name: "Ada Lovelace",
    type: "sepa",
    currency: "EUR",
    account: { iban: "DE89370400440532013000", bic: "COBADEFFXXX" },
    metadata: {},
    version: 1,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...fields,
  };
}

function pathsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.errors.map((e) => `${e.path}: ${e.message}`);
    throw error;
  }
  assert.fail("expected a ValidationError");
}

Deno.test("a sepa recipient is bound to EUR; a test one to what it asks for, or none", () => {
  const account = { iban: "DE89370400440532013000" };
  assert.equal(buildRecipientDraft({ name: "A", type: "sepa", account }).currency, "EUR");
  assert.equal(
    buildRecipientDraft({ name: "A", type: "test", account: { account: "x" } }).currency,
    null,
  );
  assert.equal(
    buildRecipientDraft({ name: "A", type: "test", currency: "JPY", account: { account: "x" } })
      .currency,
    "JPY",
  );
  assert.deepEqual(
    pathsOf(() => applyRecipientPatch(recipient(), { currency: "USD" })),
    ["currency: must be EUR: SEPA credit transfers are in euros"],
  );
  assert.deepEqual(
    pathsOf(() => applyRecipientPatch(recipient(), { currency: null })),
    ["currency: must be EUR: SEPA credit transfers are in euros"],
  );
  const test = recipient({ type: "test", currency: "USD", account: { account: "T-1" } });
  assert.equal(applyRecipientPatch(test, { currency: null }).currency, null);
});

Deno.test("a sepa recipient's name must have characters a SEPA file can carry", () => {
  const account = { iban: "DE89370400440532013000" };
  assert.deepEqual(pathsOf(() => buildRecipientDraft({ name: "李小龍", type: "sepa", account })), [
    "name: must have characters a SEPA transfer can carry (Latin letters or digits)",
  ]);
  assert.equal(buildRecipientDraft({ name: "Zoë Ünal", type: "sepa", account }).name, "Zoë Ünal");
  assert.equal(
    buildRecipientDraft({ name: "李小龍", type: "test", account: { account: "x" } }).name,
    "李小龍",
  );
  assert.deepEqual(pathsOf(() => applyRecipientPatch(recipient(), { name: "李小龍" })), [
    "name: must have characters a SEPA transfer can carry (Latin letters or digits)",
  ]);
});

Deno.test("a PATCH's account is judged against the recipient's type, fields named", () => {
  const sepa = recipient();
  assert.deepEqual(
    applyRecipientPatch(sepa, { account: { iban: "fr14 2004 1010 0505 0001 3m02 606" } }).account,
    {
      iban: "FR1420041010050500013M02606",
    },
  );
  assert.deepEqual(pathsOf(() => applyRecipientPatch(sepa, { account: { account: "T-1" } })), [
    "account.iban: is required",
    "account.account: is not a known field",
  ]);
  assert.deepEqual(
    pathsOf(() => parseAccount("sepa", { iban: "DE89370400440532013000", bic: "BNPAFRPP" })),
    ["account.bic: BIC is for FR (characters 5–6) but the IBAN is for DE"],
  );
  const test = recipient({ type: "test", currency: null, account: { account: "T-1" } });
  assert.deepEqual(pathsOf(() => applyRecipientPatch(test, { account: { iban: "x" } })), [
    "account.account: is required",
  ]);
  assert.deepEqual(applyRecipientPatch(test, { account: { account: " T-2 " } }).account, {
    account: "T-2",
  });
});

Deno.test("the audit trail's change list never holds an account number", () => {
  const before = recipient();
  const after = applyRecipientPatch(before, {
    name: "Ada King",
    account: { iban: "FR1420041010050500013M02606" },
    metadata: { k: "v" },
  });
  const changes = describeRecipientChanges(before, after);
  assert.deepEqual(changes, { name: true, account: true, metadata: true });
  assert.doesNotMatch(JSON.stringify(changes), /FR14|DE89/);
});

Deno.test("a payout copies a sepa recipient as account, name and BIC; a test one as is", () => {
  const sepa = recipient();
  assert.deepEqual(payoutRecipientOf(sepa), {
    id: sepa.id,
    type: "sepa",
    currency: "EUR",
    details: { account: "DE89370400440532013000", name: "Ada Lovelace", bic: "COBADEFFXXX" },
  });
  const noBic = recipient({ account: { iban: "DE89370400440532013000" } });
  assert.deepEqual(payoutRecipientOf(noBic).details, {
    account: "DE89370400440532013000",
    name: "Ada Lovelace",
  });
  const test = recipient({ type: "test", currency: null, account: { account: "T-1", x: "y" } });
  assert.deepEqual(payoutRecipientOf(test).details, { account: "T-1", x: "y" });
});
