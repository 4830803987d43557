import assert from "node:assert/strict";
import { buildPain001 } from "../../src/connectors/sepa_file/pain001.ts";
import { findMsgId, Pain001ReadError, readPain001 } from "../../scripts/bank/pain001_reader.ts";
import { DEBTOR, payment, randomIban, sepaFile } from "../helpers/sepa_fixtures.ts";
import { assertValidAgainstXsd, PAIN001_XSD } from "../helpers/xmllint.ts";

function readError(xml: string): Pain001ReadError {
  try {
    readPain001(xml);
  } catch (error) {
    assert.ok(error instanceof Pain001ReadError, String(error));
    return error;
  }
  assert.fail("the file was read");
}

Deno.test("the bank reads a schema-valid pain.001 back to the ids, exact amounts and creditors", async () => {
  const payments = [
    payment({ amountMinor: 10n, name: "Zoë Ångström", iban: randomIban("FR") }),
    payment({ amountMinor: 99_999_999_999n, bic: "DEUTDEFFXXX", remittanceInfo: undefined }),
    payment({ amountMinor: 12_550n }),
  ];
  const input = sepaFile(payments, { paymentInfoId: "BLOCK-1" });
  const xml = buildPain001(input);
  await assertValidAgainstXsd(xml, PAIN001_XSD);

  const read = readPain001(xml);
  assert.deepEqual(read, {
    msgId: input.msgId,
    pmtInfId: "BLOCK-1",
    debtorIban: DEBTOR.iban,
    payments: [
      {
        endToEndId: payments[0].endToEndId,
        amount: "0.10",
        currency: "EUR",
        iban: payments[0].iban,
        name: "Zoe Angstrom",
      },
      {
        endToEndId: payments[1].endToEndId,
        amount: "999999999.99",
        currency: "EUR",
        iban: payments[1].iban,
        name: "Erika Mustermann",
      },
      {
        endToEndId: payments[2].endToEndId,
        amount: "125.50",
        currency: "EUR",
        iban: payments[2].iban,
        name: "Erika Mustermann",
      },
    ],
  });
});

Deno.test("a namespace prefix does not stop the bank reading a file", () => {
  const input = sepaFile();
  const xml = buildPain001(input)
    .replace('<Document xmlns="', '<p:Document xmlns:p="')
    .replace("</Document>", "</p:Document>")
    .replace(/<(\/?)(?!p:|\?)([A-Za-z])/g, "<$1p:$2");
  assert.equal(readPain001(xml).msgId, input.msgId);
});

Deno.test("XML that is not well-formed is a typed error that still names the MsgId", () => {
  const input = sepaFile();
  const broken = buildPain001(input).replace("</CstmrCdtTrfInitn>", "");
  const error = readError(broken);
  assert.equal(error.code, "pain001_unreadable");
  assert.equal(error.reasonCode, "FF01");
  assert.equal(error.msgId, input.msgId);
  assert.match(error.message, /not well-formed/);
});

Deno.test("text with no MsgId at all is a typed error without one", () => {
  for (const text of ["", "hello", "<Document><Nothing/></Document>", "\u0000\u00ff binary"]) {
    const error = readError(text);
    assert.equal(error.msgId, undefined, JSON.stringify(text));
    assert.equal(error.reasonCode, "FF01");
  }
});

Deno.test("another message type, a missing element or a DOCTYPE is refused", () => {
  const xml = buildPain001(sepaFile());
  const cases: [string, RegExp][] = [
    [xml.replace("pain.001.001.09", "pain.001.001.03"), /expected a pain\.001\.001\.09 message/],
    [xml.replace(/<CdtrAcct>[\s\S]*?<\/CdtrAcct>/, ""), /missing <CdtrAcct>/],
    [xml.replace(/<EndToEndId>[^<]*<\/EndToEndId>/, "<EndToEndId></EndToEndId>"), /EndToEndId/],
    [xml.replace('<?xml version="1.0" encoding="UTF-8"?>', "<!DOCTYPE x []>"), /DOCTYPE/],
    [xml.replace(/<InstdAmt Ccy="EUR">[^<]*</, '<InstdAmt Ccy="EUR">1e3<'), /not a plain decimal/],
  ];
  for (const [text, message] of cases) {
    const error = readError(text);
    assert.match(error.message, message);
    assert.equal(error.reasonCode, "FF01");
  }
});

Deno.test("a file with two payment blocks is refused: the bank reads one, as the service writes", () => {
  const xml = buildPain001(sepaFile());
  const block = /<PmtInf>[\s\S]*<\/PmtInf>/.exec(xml)![0];
  const error = readError(xml.replace(block, block + block));
  assert.match(error.message, /one PmtInf block; this one has 2/);
});

Deno.test("NbOfTxs or CtrlSum that disagree with the transactions are AM18 and AM10", () => {
  const input = sepaFile([payment({ amountMinor: 100n }), payment({ amountMinor: 250n })]);
  const xml = buildPain001(input);
  assert.match(xml, /<CtrlSum>3.50<\/CtrlSum>/);
  const count = readError(xml.replace("<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>3</NbOfTxs>"));
  assert.equal(count.reasonCode, "AM18");
  assert.equal(count.msgId, input.msgId);
  const sum = readError(xml.replace("<CtrlSum>3.50</CtrlSum>", "<CtrlSum>3.51</CtrlSum>"));
  assert.equal(sum.reasonCode, "AM10");
  // The same sum written differently is the same sum.
  assert.equal(
    readPain001(xml.replaceAll("<CtrlSum>3.50</CtrlSum>", "<CtrlSum>3.5</CtrlSum>")).msgId,
    input.msgId,
  );
});

Deno.test("findMsgId finds the first MsgId of broken text, with or without a prefix", () => {
  assert.equal(findMsgId("<GrpHdr><MsgId>ABC-123</MsgId><broken"), "ABC-123");
  assert.equal(findMsgId("<x:MsgId> a1 </x:MsgId>"), "a1");
  assert.equal(findMsgId(`<MsgId>${"a".repeat(36)}</MsgId>`), undefined);
  assert.equal(findMsgId("<MsgId></MsgId>"), undefined);
});
