/** The sepa_file connector's checks before it accepts a transfer, and how reports are told apart. */
import assert from "node:assert/strict";
import type { PaymentOrder } from "../../src/connectors/connector.ts";
import { buildCamt054 } from "../../src/connectors/sepa_file/camt054_builder.ts";
import { buildPain002 } from "../../src/connectors/sepa_file/pain002_builder.ts";
import { describeReason } from "../../src/connectors/sepa_file/reason_codes.ts";
import { classifyReport } from "../../src/connectors/sepa_file/report_apply.ts";
import { checkTransfer } from "../../src/connectors/sepa_file/sepa_file_connector.ts";
import { endToEndIdFor } from "../../src/connectors/sepa_file/sepa_ids.ts";
import { DEBTOR, randomIban } from "../helpers/sepa_fixtures.ts";

function order(fields: Partial<PaymentOrder> = {}, recipient: Record<string, string> = {}) {
  return {
    payoutId: crypto.randomUUID(),
    amountMinor: 12_550n,
    amount: "125.50",
    currency: "EUR",
    recipientType: "sepa",
    recipient: { account: randomIban("DE"), name: "Erika Mustermann", ...recipient },
    description: "Invoice 2026-113",
    ...fields,
  } satisfies PaymentOrder;
}

Deno.test("a valid transfer is accepted exactly as its file will carry it", () => {
  const o = order({}, {
    account: "de89 3704 0044 0532 0130 00",
    name: "Jürgen Groß & Söhne",
    bic: "cobadeffxxx",
  });
  assert.deepEqual(checkTransfer(o, DEBTOR), {
    payoutId: o.payoutId,
    endToEndId: endToEndIdFor(o.payoutId),
    amount: "125.50",
    iban: "DE89370400440532013000",
    bic: "COBADEFFXXX",
    name: "Jurgen Gross + Sohne",
    remittanceInfo: "Invoice 2026-113",
  });
  const plain = order({ description: "" });
  const accepted = checkTransfer(plain, DEBTOR);
  assert.ok(!("outcome" in accepted));
  assert.equal(accepted.bic, null);
  assert.equal(accepted.remittanceInfo, null);
});

Deno.test("IBANs outside SEPA and amounts over the EPC maximum are refused: another rail may pay", () => {
  assert.deepEqual(checkTransfer(order({}, { account: "BR1500000000000010932840814P2" }), DEBTOR), {
    outcome: "refused",
    reason: "the recipient's IBAN is of BR, which is not in SEPA",
  });
  // Switzerland and the United Kingdom are SEPA countries outside the EU.
  for (const country of ["CH", "GB"]) {
    const accepted = checkTransfer(
      order({}, { account: country === "CH" ? "CH9300762011623852957" : "GB29NWBK60161331926819" }),
      DEBTOR,
    );
    assert.ok(!("outcome" in accepted), `${country}: ${JSON.stringify(accepted)}`);
  }
  assert.deepEqual(
    checkTransfer(order({ amountMinor: 100_000_000_000n, amount: "1000000000.00" }), DEBTOR),
    {
      outcome: "refused",
      reason: "EUR 1000000000.00 is above the SEPA maximum of EUR 999999999.99",
    },
  );
  const atMaximum = checkTransfer(
    order({ amountMinor: 99_999_999_999n, amount: "999999999.99" }),
    DEBTOR,
  );
  assert.ok(!("outcome" in atMaximum));
});

Deno.test("what no rail could pay as it stands fails permanently", async (t) => {
  const cases: [string, PaymentOrder, RegExp][] = [
    ["a bad check sum", order({}, { account: "DE00370400440532013000" }), /not a valid IBAN/],
    ["no IBAN at all", order({}, { account: "FAIL-123" }), /not a valid IBAN/],
    ["a name with no Latin letters", order({}, { name: "株式会社" }), /name has no characters/],
    ["no name", order({}, { name: "" }), /name has no characters/],
    ["a malformed BIC", order({}, { bic: "NOTABIC" }), /BIC is not a BIC/],
    ["USD", order({ currency: "USD" }), /sepa_file pays EUR to SEPA recipients, not USD/],
    ["a test recipient", order({ recipientType: "test" }), /not EUR to test recipients/],
  ];
  for (const [name, o, expected] of cases) {
    await t.step(name, () => {
      const result = checkTransfer(o, DEBTOR);
      assert.ok(
        "outcome" in result && result.outcome === "permanent_error",
        JSON.stringify(result),
      );
      assert.match(result.reason, expected);
      assert.ok(!result.reason.includes(endToEndIdFor(o.payoutId)), result.reason);
    });
  }
});

Deno.test("reports are told apart by their root element's ISO 20022 namespace", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const pain002 = buildPain002({
    messageId: "STS-1",
    createdAt: new Date(),
    originalMessageId: "abc",
    groupStatus: "ACSC",
  });
  const camt054 = buildCamt054({
    messageId: "NTF-1",
    createdAt: new Date(),
    accountIban: DEBTOR.iban,
    bookingDate: "2026-03-03",
    returns: [],
  });
  assert.equal(classifyReport("a.xml", bytes(pain002)), "pain.002");
  assert.equal(classifyReport("b.xml", bytes(camt054)), "camt.054");
  assert.equal(
    classifyReport(
      "c.xml",
      bytes(
        '\uFEFF<?xml version="1.0"?>\n<!-- from the bank -->\n<n:Document ' +
          "xmlns:n='urn:iso:std:iso:20022:tech:xsd:pain.002.001.03'><n:x/></n:Document>",
      ),
    ),
    "pain.002",
    "any prefix and version; an unreadable version is the parser's to say",
  );
  for (
    const text of [
      '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>',
      '<Other xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"/>',
      '<Document><Note xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"/></Document>',
      "pain.002 camt.054",
      "",
    ]
  ) {
    assert.equal(classifyReport("d.xml", bytes(text)), "unknown", text);
  }
});

Deno.test("bank reasons read as code, meaning and the bank's words", () => {
  assert.equal(
    describeReason("AC04", "account closed 2026-02-28"),
    "AC04 (closed account): account closed 2026-02-28",
  );
  assert.equal(describeReason("AC01"), "AC01 (incorrect account number)");
  assert.equal(describeReason("ZZ99", "bank specific"), "ZZ99: bank specific");
  assert.equal(describeReason(undefined), "no reason code");
});
