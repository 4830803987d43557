import assert from "node:assert/strict";
import fc from "fast-check";
import { buildPain001 } from "../../src/connectors/sepa_file/pain001.ts";
import {
  type Pain002Report,
  parsePain002,
  transactionStatuses,
} from "../../src/connectors/sepa_file/pain002.ts";
import {
  buildPain002,
  type Pain002Input,
  type PaymentInfoStatusInput,
} from "../../src/connectors/sepa_file/pain002_builder.ts";
import { STATUS_CODES } from "../../src/connectors/sepa_file/payment_status.ts";
import { ReportParseError } from "../../src/connectors/sepa_file/sepa_errors.ts";
import { endToEndIdFor, payoutIdFromEndToEndId } from "../../src/connectors/sepa_file/sepa_ids.ts";

const CREATED = new Date("2026-03-02T08:15:00.000Z");

function report(overrides: Partial<Pain002Input> = {}): Pain002Input {
  return { messageId: "STS-1", createdAt: CREATED, originalMessageId: "MSG-1", ...overrides };
}

function unreadable(xml: string, message: RegExp): void {
  assert.throws(() => parsePain002(xml), (error: unknown) => {
    assert.ok(error instanceof ReportParseError, `expected ReportParseError, got ${error}`);
    assert.equal(error.code, "sepa_report_unparseable");
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("a built report parses back: per-transaction statuses, reasons and ids", () => {
  const parsed = parsePain002(buildPain002(report({
    groupStatus: "PART",
    paymentInfos: [{
      originalPaymentInfoId: "MSG-1",
      status: "PART",
      transactions: [
        { originalEndToEndId: "E2E-1", status: "ACCP" },
        {
          originalEndToEndId: "E2E-2",
          status: "RJCT",
          reasonCode: "AC04",
          additionalInfo: "Closed",
        },
        { originalEndToEndId: "E2E-3", status: "ACWC", additionalInfo: "Date moved & checked" },
        { originalEndToEndId: "E2E-4", status: "PDNG" },
      ],
    }],
  })));
  assert.deepEqual(
    parsed,
    {
      messageId: "STS-1",
      originalMessageId: "MSG-1",
      originalMessageNameId: "pain.001.001.09",
      groupStatus: "PART",
      paymentInfos: [{ originalPaymentInfoId: "MSG-1", status: "PART" }],
      transactions: [
        { originalEndToEndId: "E2E-1", originalPaymentInfoId: "MSG-1", status: "ACCP" },
        {
          originalEndToEndId: "E2E-2",
          originalPaymentInfoId: "MSG-1",
          status: "RJCT",
          reasonCode: "AC04",
          additionalInfo: "Closed",
        },
        {
          originalEndToEndId: "E2E-3",
          originalPaymentInfoId: "MSG-1",
          status: "ACWC",
          additionalInfo: "Date moved & checked",
        },
        { originalEndToEndId: "E2E-4", originalPaymentInfoId: "MSG-1", status: "PDNG" },
      ],
    } satisfies Pain002Report,
  );
});

Deno.test("a file rejected as a whole rejects every transaction it names, with the file's reason", () => {
  const parsed = parsePain002(buildPain002(report({
    groupStatus: "RJCT",
    reasonCode: "FF01",
    additionalInfo: "Invalid file format",
    paymentInfos: [{
      originalPaymentInfoId: "MSG-1",
      transactions: [
        { originalEndToEndId: "E2E-1" },
        { originalEndToEndId: "E2E-2", status: "ACCP" },
        { originalEndToEndId: "E2E-3", status: "RJCT", reasonCode: "AM05" },
      ],
    }],
  })));
  assert.equal(parsed.groupStatus, "RJCT");
  assert.equal(parsed.groupReasonCode, "FF01");
  assert.deepEqual(
    parsed.transactions.map(({ status, reasonCode }) => [status, reasonCode]),
    [["RJCT", "FF01"], ["RJCT", "FF01"], ["RJCT", "AM05"]],
  );
  assert.equal(parsed.transactions[0].additionalInfo, "Invalid file format");
});

Deno.test("a whole-file RJCT without transactions rejects every transaction of the file", () => {
  const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()].map(endToEndIdFor);
  const parsed = parsePain002(buildPain002(report({ groupStatus: "RJCT", reasonCode: "DU01" })));
  assert.deepEqual(parsed.transactions, []);
  const statuses = transactionStatuses(parsed, ids);
  assert.equal(statuses.size, 3);
  for (const id of ids) {
    assert.deepEqual(statuses.get(id), {
      originalEndToEndId: id,
      status: "RJCT",
      reasonCode: "DU01",
    });
    assert.ok(payoutIdFromEndToEndId(statuses.get(id)!.originalEndToEndId));
  }
});

Deno.test("a rejected payment block rejects its transactions with the block's reason", () => {
  const parsed = parsePain002(buildPain002(report({
    groupStatus: "PART",
    paymentInfos: [{
      originalPaymentInfoId: "PMT-1",
      status: "RJCT",
      reasonCode: "AC01",
      transactions: [{ originalEndToEndId: "E2E-1", status: "ACCP" }],
    }],
  })));
  assert.deepEqual(parsed.transactions, [
    {
      originalEndToEndId: "E2E-1",
      originalPaymentInfoId: "PMT-1",
      status: "RJCT",
      reasonCode: "AC01",
    },
  ]);
  assert.deepEqual(transactionStatuses(parsed, ["E2E-9"]).get("E2E-9"), {
    originalEndToEndId: "E2E-9",
    originalPaymentInfoId: "PMT-1",
    status: "RJCT",
    reasonCode: "AC01",
  });
});

Deno.test("a file-level acceptance applies to the transactions the report does not name", () => {
  const accepted = parsePain002(buildPain002(report({ groupStatus: "ACCP" })));
  assert.equal(transactionStatuses(accepted, ["A", "B"]).get("B")?.status, "ACCP");

  const partial = parsePain002(buildPain002(report({
    groupStatus: "PART",
    paymentInfos: [{
      originalPaymentInfoId: "MSG-1",
      transactions: [{ originalEndToEndId: "A", status: "RJCT", reasonCode: "AC04" }],
    }],
  })));
  const statuses = transactionStatuses(partial, ["A", "B"]);
  assert.equal(statuses.get("A")?.status, "RJCT");
  assert.equal(statuses.has("B"), false, "PART says nothing about unnamed transactions");
});

Deno.test("a transaction without TxSts takes its block's or the file's status", () => {
  const parsed = parsePain002(buildPain002(report({
    groupStatus: "ACSP",
    paymentInfos: [{ originalPaymentInfoId: "MSG-1", transactions: [{ originalEndToEndId: "A" }] }],
  })));
  assert.equal(parsed.transactions[0].status, "ACSP");
  unreadable(
    buildPain002(report({
      groupStatus: "PART",
      paymentInfos: [{
        originalPaymentInfoId: "MSG-1",
        transactions: [{ originalEndToEndId: "A" }],
      }],
    })),
    /no <TxSts> and no file or block status applies/,
  );
});

// As a bank writes it: prefixed, indented, with elements this parser does not need.
const BANK_REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<!-- status report -->
<p:Document xmlns:p="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <p:CstmrPmtStsRpt>
    <p:GrpHdr>
      <p:MsgId>BANK-STS-000123</p:MsgId>
      <p:CreDtTm>2026-03-02T09:00:00+01:00</p:CreDtTm>
      <p:DbtrAgt><p:FinInstnId><p:BICFI>XMPLDEM0XXX</p:BICFI></p:FinInstnId></p:DbtrAgt>
    </p:GrpHdr>
    <p:OrgnlGrpInfAndSts>
      <p:OrgnlMsgId>0196f2c47b1d7c3a9e0f1a2b3c4d5e6f</p:OrgnlMsgId>
      <p:OrgnlMsgNmId>pain.001.001.09</p:OrgnlMsgNmId>
      <p:OrgnlNbOfTxs>2</p:OrgnlNbOfTxs>
      <p:OrgnlCtrlSum>100.10</p:OrgnlCtrlSum>
      <p:GrpSts>PART</p:GrpSts>
      <p:NbOfTxsPerSts><p:DtldNbOfTxs>1</p:DtldNbOfTxs><p:DtldSts>RJCT</p:DtldSts></p:NbOfTxsPerSts>
    </p:OrgnlGrpInfAndSts>
    <p:OrgnlPmtInfAndSts>
      <p:OrgnlPmtInfId>0196f2c47b1d7c3a9e0f1a2b3c4d5e6f</p:OrgnlPmtInfId>
      <p:TxInfAndSts>
        <p:StsId>S1</p:StsId>
        <p:OrgnlInstrId>000111</p:OrgnlInstrId>
        <p:OrgnlEndToEndId>000111</p:OrgnlEndToEndId>
        <p:TxSts>RJCT</p:TxSts>
        <p:StsRsnInf>
          <p:Orgtr><p:Nm>Bank</p:Nm></p:Orgtr>
          <p:Rsn><p:Cd>AC04</p:Cd></p:Rsn>
          <p:AddtlInf>Konto aufgel&#246;st</p:AddtlInf>
          <p:AddtlInf>seit 01.03.</p:AddtlInf>
        </p:StsRsnInf>
        <p:OrgnlTxRef><p:Amt><p:InstdAmt Ccy="EUR">0.10</p:InstdAmt></p:Amt></p:OrgnlTxRef>
      </p:TxInfAndSts>
      <p:TxInfAndSts>
        <p:OrgnlEndToEndId>000222</p:OrgnlEndToEndId>
        <p:TxSts>ACSC</p:TxSts>
      </p:TxInfAndSts>
    </p:OrgnlPmtInfAndSts>
  </p:CstmrPmtStsRpt>
</p:Document>`;

Deno.test("a bank's report with a namespace prefix, layout and extra elements is read", () => {
  const parsed = parsePain002(BANK_REPORT);
  assert.equal(parsed.messageId, "BANK-STS-000123");
  assert.equal(parsed.originalMessageId, "0196f2c47b1d7c3a9e0f1a2b3c4d5e6f");
  assert.deepEqual(parsed.transactions, [
    {
      originalEndToEndId: "000111", // text, not the number 111
      originalPaymentInfoId: "0196f2c47b1d7c3a9e0f1a2b3c4d5e6f",
      status: "RJCT",
      reasonCode: "AC04",
      additionalInfo: "Konto aufgelöst seit 01.03.",
    },
    {
      originalEndToEndId: "000222",
      originalPaymentInfoId: "0196f2c47b1d7c3a9e0f1a2b3c4d5e6f",
      status: "ACSC",
    },
  ]);
});

Deno.test("a proprietary reason is reported when there is no ISO code", () => {
  const xml = BANK_REPORT.replace("<p:Cd>AC04</p:Cd>", "<p:Prtry>BANK-17</p:Prtry>");
  assert.equal(parsePain002(xml).transactions[0].reasonCode, "BANK-17");
});

Deno.test("malformed XML is a ReportParseError that says where", () => {
  unreadable("", /empty/);
  unreadable("not xml at all", /not well-formed XML/);
  unreadable(BANK_REPORT.replace("</p:GrpHdr>", ""), /not well-formed XML: .*line \d+/);
  unreadable(BANK_REPORT.slice(0, BANK_REPORT.length / 2), /not well-formed XML/);
  unreadable(BANK_REPORT.replace("aufgel&#246;st", "aufgel&ouml;st"), /undefined entity &ouml;/);
  assert.throws(() => parsePain002(undefined as unknown as string), ReportParseError);
});

Deno.test("another message type is refused: pain.001, camt.054, an older pain.002", () => {
  const pain001 = buildPain001({
    msgId: "M",
    createdAt: CREATED,
    requestedExecutionDate: "2026-03-02",
    debtor: { name: "Us", iban: "DE87123456781234567890" },
    payments: [{ endToEndId: "E", amountMinor: 1n, name: "You", iban: "DE40987654329876543210" }],
  });
  unreadable(
    pain001,
    /expected a pain\.002\.001\.10 message, found namespace "urn:iso:std:iso:20022:tech:xsd:pain\.001\.001\.09"/,
  );
  unreadable(
    BANK_REPORT.replaceAll("pain.002.001.10", "camt.054.001.08"),
    /expected a pain\.002\.001\.10 message/,
  );
  unreadable(BANK_REPORT.replaceAll("pain.002.001.10", "pain.002.001.03"), /pain\.002\.001\.03/);
  unreadable("<Document><CstmrPmtStsRpt/></Document>", /found namespace null/);
  unreadable(
    '<Report xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"/>',
    /expected a <Document> root element, found <Report>/,
  );
  unreadable(
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><Other/></Document>',
    /expected one <CstmrPmtStsRpt>/,
  );
});

Deno.test("a DOCTYPE is refused, so entity expansion cannot be abused", () => {
  const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` +
    `<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>` +
    BANK_REPORT.replace(/^<\?xml[^>]*>/, "").replace("BANK-STS-000123", "&lol2;");
  unreadable(bomb, /DOCTYPE/);
});

Deno.test("missing required elements and unknown codes are named in the error", () => {
  unreadable(
    BANK_REPORT.replace(/<p:OrgnlMsgId>.*<\/p:OrgnlMsgId>/, ""),
    /missing or empty <OrgnlMsgId> in CstmrPmtStsRpt\/OrgnlGrpInfAndSts/,
  );
  unreadable(
    BANK_REPORT.replace("<p:OrgnlEndToEndId>000222</p:OrgnlEndToEndId>", ""),
    /missing or empty <OrgnlEndToEndId> in CstmrPmtStsRpt\/OrgnlPmtInfAndSts\[0\]\/TxInfAndSts\[1\]/,
  );
  unreadable(BANK_REPORT.replace("<p:TxSts>ACSC", "<p:TxSts>OKAY"), /unknown status code "OKAY"/);
  unreadable(BANK_REPORT.replace("<p:TxSts>ACSC", "<p:TxSts>PART"), /PART is not a transaction/);
  unreadable(
    BANK_REPORT.replace(
      "<p:MsgId>BANK-STS-000123</p:MsgId>",
      "<p:MsgId>A</p:MsgId><p:MsgId>B</p:MsgId>",
    ),
    /more than one <MsgId> in CstmrPmtStsRpt\/GrpHdr/,
  );
  unreadable(
    BANK_REPORT.replace("<p:GrpSts>PART</p:GrpSts>", "<p:GrpSts><p:Cd>PART</p:Cd></p:GrpSts>"),
    /expected text, found <Cd>/,
  );
});

const TX_STATUSES = STATUS_CODES.filter((code) => code !== "PART");
const reasonCode = fc.option(fc.stringMatching(/^[A-Z]{2}[0-9]{2}$/), { nil: undefined });
const info = fc.option(
  fc.string({ minLength: 1, maxLength: 105 }).filter((s) => s.trim() === s && s !== ""),
  {
    nil: undefined,
  },
);
const blocks = fc.array(
  fc.record({
    originalPaymentInfoId: fc.stringMatching(/^[A-Za-z0-9]{1,35}$/),
    transactions: fc.uniqueArray(fc.uuid().map(endToEndIdFor), { maxLength: 8 }).chain((ids) =>
      fc.tuple(...ids.map((originalEndToEndId) =>
        fc.record({
          originalEndToEndId: fc.constant(originalEndToEndId),
          status: fc.constantFrom(...TX_STATUSES),
          reasonCode,
          additionalInfo: info,
        }, { requiredKeys: ["originalEndToEndId", "status"] })
      ))
    ),
  }),
  { maxLength: 3 },
);

Deno.test("any report the builder writes parses back to what it was built from", () => {
  fc.assert(
    fc.property(
      blocks,
      fc.constantFrom("ACCP", "ACSP", "PART", "PDNG"),
      (paymentInfos, groupStatus) => {
        const parsed = parsePain002(
          buildPain002(
            report({ groupStatus, paymentInfos: paymentInfos as PaymentInfoStatusInput[] }),
          ),
        );
        assert.equal(parsed.groupStatus, groupStatus);
        assert.deepEqual(
          parsed.transactions,
          paymentInfos.flatMap((block) =>
            block.transactions.map((tx) =>
              JSON.parse(JSON.stringify({
                originalEndToEndId: tx.originalEndToEndId,
                originalPaymentInfoId: block.originalPaymentInfoId,
                status: tx.status,
                reasonCode: tx.reasonCode,
                additionalInfo: tx.additionalInfo,
              }))
            )
          ),
        );
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("damaged reports never crash the parser: a report or a ReportParseError", () => {
  const damage = fc.oneof(
    fc.nat({ max: BANK_REPORT.length }).map((cut) => BANK_REPORT.slice(0, cut)),
    fc.tuple(fc.nat({ max: BANK_REPORT.length - 1 }), fc.string({ maxLength: 3 }))
      .map(([at, text]) => BANK_REPORT.slice(0, at) + text + BANK_REPORT.slice(at + 1)),
    fc.string({ maxLength: 200 }),
  );
  fc.assert(
    fc.property(damage, (xml) => {
      try {
        parsePain002(xml);
      } catch (error) {
        assert.ok(error instanceof ReportParseError, `${error} for ${JSON.stringify(xml)}`);
      }
    }),
    { numRuns: 2000 },
  );
});
