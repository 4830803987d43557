import assert from "node:assert/strict";
import fc from "fast-check";
import { type Camt054Report, parseCamt054 } from "../../src/connectors/sepa_file/camt054.ts";
import { buildCamt054, type Camt054Input } from "../../src/connectors/sepa_file/camt054_builder.ts";
import { buildPain002 } from "../../src/connectors/sepa_file/pain002_builder.ts";
import { ReportParseError } from "../../src/connectors/sepa_file/sepa_errors.ts";
import { endToEndIdFor, payoutIdFromEndToEndId } from "../../src/connectors/sepa_file/sepa_ids.ts";

function notification(overrides: Partial<Camt054Input> = {}): Camt054Input {
  return {
    messageId: "NTF-1",
    createdAt: new Date("2026-03-05T07:00:00.000Z"),
    accountIban: "DE87123456781234567890",
    bookingDate: "2026-03-05",
    returns: [],
    ...overrides,
  };
}

function unreadable(xml: string, message: RegExp): void {
  assert.throws(() => parseCamt054(xml), (error: unknown) => {
    assert.ok(error instanceof ReportParseError, `expected ReportParseError, got ${error}`);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("a built return notification parses back, leading to the payout", () => {
  const payoutId = crypto.randomUUID();
  const parsed = parseCamt054(buildCamt054(notification({
    returns: [
      { originalEndToEndId: endToEndIdFor(payoutId), amountMinor: 12_550n, reasonCode: "AC04" },
      {
        originalEndToEndId: "E2E-2",
        amountMinor: 1n,
        reasonCode: "MD07",
        additionalInfo: "Beneficiary deceased",
        originalMessageId: "MSG-1",
      },
    ],
  })));
  assert.deepEqual(
    parsed,
    {
      messageId: "NTF-1",
      returns: [
        {
          originalEndToEndId: endToEndIdFor(payoutId),
          amountMinor: 12_550n,
          currency: "EUR",
          reasonCode: "AC04",
          bookingDate: "2026-03-05",
        },
        {
          originalEndToEndId: "E2E-2",
          amountMinor: 1n,
          currency: "EUR",
          reasonCode: "MD07",
          additionalInfo: "Beneficiary deceased",
          bookingDate: "2026-03-05",
        },
      ],
    } satisfies Camt054Report,
  );
  assert.equal(payoutIdFromEndToEndId(parsed.returns[0].originalEndToEndId), payoutId);
});

Deno.test("returned amounts are exact to the cent, up to 999999999.99", () => {
  const amounts = [1n, 10n, 30n, 99_999_999_999n, 123_456_789_012_345_678n];
  const parsed = parseCamt054(buildCamt054(notification({
    returns: amounts.map((amountMinor, i) => ({
      originalEndToEndId: `E2E-${i}`,
      amountMinor,
      reasonCode: "AC04",
    })),
  })));
  assert.deepEqual(parsed.returns.map((r) => r.amountMinor), amounts);
});

Deno.test("any returns the builder writes parse back exactly", () => {
  const returns = fc.uniqueArray(fc.uuid(), { minLength: 0, maxLength: 10 }).chain((ids) =>
    fc.tuple(...ids.map((id) =>
      fc.record({
        originalEndToEndId: fc.constant(endToEndIdFor(id)),
        amountMinor: fc.bigInt({ min: 1n, max: 10n ** 15n }),
        reasonCode: fc.constantFrom("AC04", "AC06", "AG01", "MD07", "MS03", "RR04"),
      })
    ))
  );
  fc.assert(
    fc.property(returns, (list) => {
      const parsed = parseCamt054(buildCamt054(notification({ returns: list })));
      assert.deepEqual(
        parsed.returns.map(({ originalEndToEndId, amountMinor, reasonCode }) => ({
          originalEndToEndId,
          amountMinor,
          reasonCode,
        })),
        list.map((ret) => ({ ...ret })), // fast-check's records have no prototype
      );
    }),
    { numRuns: 200 },
  );
});

// As a bank writes it: a batch entry with two returns (amounts only in AmtDtls for one), an
// incoming payment, a debit, a pending and a reversed entry, none of which are returns.
const BANK_NOTIFICATION = `<?xml version="1.0" encoding="UTF-8"?>
<c:Document xmlns:c="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <c:BkToCstmrDbtCdtNtfctn>
    <c:GrpHdr><c:MsgId>CAMT054-000042</c:MsgId><c:CreDtTm>2026-03-05T08:00:00+01:00</c:CreDtTm></c:GrpHdr>
    <c:Ntfctn>
      <c:Id>N1</c:Id>
      <c:Acct><c:Id><c:IBAN>DE87123456781234567890</c:IBAN></c:Id></c:Acct>
      <c:Ntry>
        <c:NtryRef>1</c:NtryRef>
        <c:Amt Ccy="EUR">100.10</c:Amt>
        <c:CdtDbtInd>CRDT</c:CdtDbtInd>
        <c:Sts><c:Cd>BOOK</c:Cd></c:Sts>
        <c:BookgDt><c:Dt>2026-03-05</c:Dt></c:BookgDt>
        <c:BkTxCd><c:Domn><c:Cd>PMNT</c:Cd><c:Fmly><c:Cd>ICDT</c:Cd><c:SubFmlyCd>RRTN</c:SubFmlyCd></c:Fmly></c:Domn></c:BkTxCd>
        <c:NtryDtls>
          <c:Btch><c:NbOfTxs>2</c:NbOfTxs></c:Btch>
          <c:TxDtls>
            <c:Refs><c:MsgId>M1</c:MsgId><c:EndToEndId>0196f2c47b1d7c3a9e0f1a2b3c4d5e6f</c:EndToEndId></c:Refs>
            <c:Amt Ccy="EUR">100.00</c:Amt>
            <c:CdtDbtInd>CRDT</c:CdtDbtInd>
            <c:RtrInf>
              <c:Orgtr><c:Nm>Beneficiary bank</c:Nm></c:Orgtr>
              <c:Rsn><c:Cd>AC04</c:Cd></c:Rsn>
              <c:AddtlInf>Account closed</c:AddtlInf>
            </c:RtrInf>
          </c:TxDtls>
          <c:TxDtls>
            <c:Refs><c:EndToEndId>000123</c:EndToEndId></c:Refs>
            <c:AmtDtls><c:TxAmt><c:Amt Ccy="EUR">0.10</c:Amt></c:TxAmt></c:AmtDtls>
            <c:RtrInf><c:Rsn><c:Prtry>X99</c:Prtry></c:Rsn></c:RtrInf>
          </c:TxDtls>
        </c:NtryDtls>
      </c:Ntry>
      <c:Ntry>
        <c:Amt Ccy="EUR">5.00</c:Amt>
        <c:CdtDbtInd>CRDT</c:CdtDbtInd>
        <c:Sts><c:Cd>BOOK</c:Cd></c:Sts>
        <c:BkTxCd><c:Domn><c:Cd>PMNT</c:Cd><c:Fmly><c:Cd>RCDT</c:Cd><c:SubFmlyCd>ESCT</c:SubFmlyCd></c:Fmly></c:Domn></c:BkTxCd>
        <c:NtryDtls><c:TxDtls><c:Refs><c:EndToEndId>INCOMING</c:EndToEndId></c:Refs></c:TxDtls></c:NtryDtls>
      </c:Ntry>
      <c:Ntry>
        <c:Amt Ccy="EUR">7.00</c:Amt>
        <c:CdtDbtInd>DBIT</c:CdtDbtInd>
        <c:Sts><c:Cd>BOOK</c:Cd></c:Sts>
        <c:BkTxCd/>
        <c:NtryDtls><c:TxDtls><c:Refs><c:EndToEndId>DEBIT</c:EndToEndId></c:Refs>
          <c:RtrInf><c:Rsn><c:Cd>AC04</c:Cd></c:Rsn></c:RtrInf></c:TxDtls></c:NtryDtls>
      </c:Ntry>
      <c:Ntry>
        <c:Amt Ccy="EUR">8.00</c:Amt>
        <c:CdtDbtInd>CRDT</c:CdtDbtInd>
        <c:Sts><c:Cd>PDNG</c:Cd></c:Sts>
        <c:BkTxCd/>
        <c:NtryDtls><c:TxDtls><c:Refs><c:EndToEndId>PENDING</c:EndToEndId></c:Refs>
          <c:RtrInf><c:Rsn><c:Cd>AC04</c:Cd></c:Rsn></c:RtrInf></c:TxDtls></c:NtryDtls>
      </c:Ntry>
      <c:Ntry>
        <c:Amt Ccy="EUR">9.00</c:Amt>
        <c:CdtDbtInd>CRDT</c:CdtDbtInd>
        <c:RvslInd>true</c:RvslInd>
        <c:Sts><c:Cd>BOOK</c:Cd></c:Sts>
        <c:BkTxCd/>
        <c:NtryDtls><c:TxDtls><c:Refs><c:EndToEndId>REVERSED</c:EndToEndId></c:Refs>
          <c:RtrInf><c:Rsn><c:Cd>AC04</c:Cd></c:Rsn></c:RtrInf></c:TxDtls></c:NtryDtls>
      </c:Ntry>
      <c:Ntry>
        <c:Amt Ccy="JPY">1500</c:Amt>
        <c:CdtDbtInd>CRDT</c:CdtDbtInd>
        <c:Sts><c:Cd>BOOK</c:Cd></c:Sts>
        <c:BkTxCd/>
        <c:NtryDtls><c:TxDtls><c:Refs><c:EndToEndId>YEN</c:EndToEndId></c:Refs>
          <c:RtrInf><c:Rsn><c:Cd>AC01</c:Cd></c:Rsn></c:RtrInf></c:TxDtls></c:NtryDtls>
      </c:Ntry>
    </c:Ntfctn>
  </c:BkToCstmrDbtCdtNtfctn>
</c:Document>`;

Deno.test("a bank's notification yields only its booked credit returns", () => {
  assert.deepEqual(
    parseCamt054(BANK_NOTIFICATION),
    {
      messageId: "CAMT054-000042",
      returns: [
        {
          originalEndToEndId: "0196f2c47b1d7c3a9e0f1a2b3c4d5e6f",
          amountMinor: 10_000n,
          currency: "EUR",
          reasonCode: "AC04",
          additionalInfo: "Account closed",
          bookingDate: "2026-03-05",
        },
        {
          originalEndToEndId: "000123",
          amountMinor: 10n,
          currency: "EUR",
          reasonCode: "X99",
          bookingDate: "2026-03-05",
        },
        // A single-transaction entry: the amount is the entry's, in the currency's own exponent.
        { originalEndToEndId: "YEN", amountMinor: 1500n, currency: "JPY", reasonCode: "AC01" },
      ],
    } satisfies Camt054Report,
  );
});

Deno.test("a notification without returns gives an empty list", () => {
  assert.deepEqual(parseCamt054(buildCamt054(notification())), { messageId: "NTF-1", returns: [] });
});

Deno.test("a return without EndToEndId, reason or a readable amount is a ReportParseError", () => {
  unreadable(
    BANK_NOTIFICATION.replace("<c:EndToEndId>000123</c:EndToEndId>", ""),
    /missing or empty <EndToEndId> in BkToCstmrDbtCdtNtfctn\/Ntfctn\[0\]\/Ntry\[0\]\/NtryDtls\[0\]\/TxDtls\[1\]\/Refs/,
  );
  unreadable(
    BANK_NOTIFICATION.replace("<c:Rsn><c:Cd>AC04</c:Cd></c:Rsn>", ""),
    /missing <Rsn><Cd>/,
  );
  unreadable(
    BANK_NOTIFICATION.replace(">100.00<", ">100,00<"),
    /not a plain decimal amount: "100,00"/,
  );
  unreadable(BANK_NOTIFICATION.replace(">100.00<", ">1e2<"), /not a plain decimal amount/);
  unreadable(BANK_NOTIFICATION.replace(">100.00<", ">-100.00<"), /not a plain decimal amount/);
  unreadable(BANK_NOTIFICATION.replace(">100.00<", ">100.001<"), /more decimals than EUR allows/);
  unreadable(
    BANK_NOTIFICATION.replace('Ccy="JPY">1500', 'Ccy="JPY">1500.5'),
    /more decimals than JPY/,
  );
  unreadable(
    BANK_NOTIFICATION.replace('<c:Amt Ccy="EUR">100.00', '<c:Amt Ccy="XYZ">100.00'),
    /unknown currency "XYZ"/,
  );
  unreadable(
    BANK_NOTIFICATION.replace('<c:Amt Ccy="EUR">100.00', "<c:Amt>100.00"),
    /unknown currency ""/,
  );
  unreadable(
    BANK_NOTIFICATION.replace(
      '<c:AmtDtls><c:TxAmt><c:Amt Ccy="EUR">0.10</c:Amt></c:TxAmt></c:AmtDtls>',
      "",
    ),
    /missing <Amt> of a transaction in an entry with several/,
  );
});

Deno.test("a trailing zero beyond the currency's exponent is accepted (100.000 EUR)", () => {
  const parsed = parseCamt054(BANK_NOTIFICATION.replace(">100.00<", ">100.000<"));
  assert.equal(parsed.returns[0].amountMinor, 10_000n);
});

Deno.test("malformed XML and other message types are ReportParseErrors", () => {
  unreadable("", /empty/);
  unreadable("<c:Document", /not well-formed XML/);
  unreadable(BANK_NOTIFICATION.replace("</c:Ntfctn>", ""), /not well-formed XML/);
  unreadable(
    buildPain002({
      messageId: "S",
      createdAt: new Date(),
      originalMessageId: "M",
      groupStatus: "ACCP",
    }),
    /expected a camt\.054\.001\.08 message, found namespace "urn:iso:std:iso:20022:tech:xsd:pain\.002\.001\.10"/,
  );
  unreadable(
    BANK_NOTIFICATION.replaceAll("camt.054.001.08", "camt.053.001.08"),
    /camt\.054\.001\.08/,
  );
  unreadable(
    `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` +
      BANK_NOTIFICATION.replace(/^<\?xml[^>]*>/, ""),
    /DOCTYPE/,
  );
});

Deno.test("the builder refuses what a camt.054 cannot carry", () => {
  const ret = { originalEndToEndId: "E", amountMinor: 1n, reasonCode: "AC04" };
  assert.throws(
    () => buildCamt054(notification({ returns: [{ ...ret, amountMinor: 0n }] })),
    /positive/,
  );
  assert.throws(
    () => buildCamt054(notification({ returns: [{ ...ret, currency: "XYZ" }] })),
    /currency/,
  );
  assert.throws(
    () => buildCamt054(notification({ returns: [{ ...ret, reasonCode: "TOOLONG" }] })),
    /reason code/,
  );
  assert.throws(
    () => buildCamt054(notification({ returns: [{ ...ret, additionalInfo: "x".repeat(106) }] })),
    /105/,
  );
});

Deno.test("damaged notifications never crash the parser: a report or a ReportParseError", () => {
  const damage = fc.oneof(
    fc.nat({ max: BANK_NOTIFICATION.length }).map((cut) => BANK_NOTIFICATION.slice(0, cut)),
    fc.tuple(fc.nat({ max: BANK_NOTIFICATION.length - 1 }), fc.string({ maxLength: 3 }))
      .map(([at, text]) => BANK_NOTIFICATION.slice(0, at) + text + BANK_NOTIFICATION.slice(at + 1)),
  );
  fc.assert(
    fc.property(damage, (xml) => {
      try {
        parseCamt054(xml);
      } catch (error) {
        assert.ok(error instanceof ReportParseError, `${error} for ${JSON.stringify(xml)}`);
      }
    }),
    { numRuns: 2000 },
  );
});
