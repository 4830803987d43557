import assert from "node:assert/strict";
import { XMLParser } from "fast-xml-parser";
import { buildPain001 } from "../../src/connectors/sepa_file/pain001.ts";
import { SepaFileError } from "../../src/connectors/sepa_file/sepa_errors.ts";
import { DEBTOR, payment, randomIban, sepaFile } from "../helpers/sepa_fixtures.ts";
import { assertValidAgainstXsd, PAIN001_XSD, validateAgainstXsd } from "../helpers/xmllint.ts";

interface Tx {
  PmtId: { InstrId: string; EndToEndId: string };
  Amt: { InstdAmt: { "#text": string; "@_Ccy": string } };
  CdtrAgt?: { FinInstnId: { BICFI: string } };
  Cdtr: { Nm: string };
  CdtrAcct: { Id: { IBAN: string } };
  RmtInf?: { Ustrd: string };
}
interface Written {
  header: { MsgId: string; CreDtTm: string; NbOfTxs: string; CtrlSum: string };
  info: {
    PmtInfId: string;
    NbOfTxs: string;
    CtrlSum: string;
    ReqdExctnDt: { Dt: string };
    Dbtr: { Nm: string };
  };
  txs: Tx[];
}

function read(xml: string): Written {
  const doc = new XMLParser({
    ignoreAttributes: false,
    parseTagValue: false,
    isArray: (name) => name === "CdtTrfTxInf",
  }).parse(xml);
  const initiation = doc.Document.CstmrCdtTrfInitn;
  return { header: initiation.GrpHdr, info: initiation.PmtInf, txs: initiation.PmtInf.CdtTrfTxInf };
}

// What the sepa package does with amounts: `+=` on JS numbers, then toFixed(2).
function floatControlSum(amounts: number[]): string {
  let sum = 0;
  for (const amount of amounts) sum += amount;
  return sum.toFixed(2);
}

Deno.test("a generated file validates against the EPC pain.001.001.09 schema", async () => {
  const xml = buildPain001(sepaFile([
    payment({ bic: "DEUTDEFFXXX", remittanceInfo: "Payout 2026-03" }),
    payment({ iban: randomIban("FR"), remittanceInfo: undefined }),
  ]));
  await assertValidAgainstXsd(xml, PAIN001_XSD);
});

Deno.test("the schema check rejects a file with an empty Ustrd (the check is not vacuous)", async () => {
  const xml = buildPain001(sepaFile([payment({ remittanceInfo: "x" })]))
    .replace("<Ustrd>x</Ustrd>", "<Ustrd></Ustrd>");
  const result = await validateAgainstXsd(xml, PAIN001_XSD);
  assert.equal(result.valid, false);
  assert.match(result.output, /Ustrd/);
});

Deno.test("without xmllint the schema check fails and says how to install it", async () => {
  await assert.rejects(
    () => validateAgainstXsd("<x/>", PAIN001_XSD, "xmllint-that-is-not-installed"),
    /xmllint is not installed: run `apt-get install -y libxml2-utils`/,
  );
});

Deno.test("InstdAmt is written exactly: 0.01, 0.10, 1.00 and the maximum 999999999.99", async () => {
  const amounts = [1n, 10n, 100n, 99_999_999_999n];
  const xml = buildPain001(sepaFile(amounts.map((amountMinor) => payment({ amountMinor }))));
  const { header, info, txs } = read(xml);
  assert.deepEqual(txs.map((tx) => tx.Amt.InstdAmt["#text"]), [
    "0.01",
    "0.10",
    "1.00",
    "999999999.99",
  ]);
  assert.ok(txs.every((tx) => tx.Amt.InstdAmt["@_Ccy"] === "EUR"));
  assert.equal(header.CtrlSum, "1000000001.10");
  assert.equal(info.CtrlSum, "1000000001.10");
  await assertValidAgainstXsd(xml, PAIN001_XSD);
});

Deno.test("CtrlSum is exact where float addition drifts (1000 × 999999999.99)", () => {
  const payments = Array.from({ length: 1000 }, () => payment({ amountMinor: 99_999_999_999n }));
  // The case is a real one: summed as the library sums, the total is a cent and more off.
  assert.equal(floatControlSum(payments.map(() => 999999999.99)), "999999999989.99");
  const { header, info } = read(buildPain001(sepaFile(payments)));
  assert.equal(header.CtrlSum, "999999999990.00");
  assert.equal(info.CtrlSum, "999999999990.00");
  assert.equal(header.NbOfTxs, "1000");
  assert.equal(info.NbOfTxs, "1000");
});

Deno.test("CtrlSum of 0.10 + 0.20 is 0.30, and of ten times 0.10 is 1.00", () => {
  assert.notEqual(0.1 + 0.2, 0.3); // why amounts never pass through numbers here
  const three = read(
    buildPain001(sepaFile([10n, 20n].map((amountMinor) => payment({ amountMinor })))),
  );
  assert.equal(three.header.CtrlSum, "0.30");
  const ten = read(
    buildPain001(sepaFile(Array.from({ length: 10 }, () => payment({ amountMinor: 10n })))),
  );
  assert.equal(ten.header.CtrlSum, "1.00");
});

Deno.test("10,000 payments of 0.01 make CtrlSum 100.00 and NbOfTxs 10000, and validate", async () => {
  const xml = buildPain001(
    sepaFile(Array.from({ length: 10_000 }, () => payment({ amountMinor: 1n }))),
  );
  const { header, info, txs } = read(xml);
  assert.equal(txs.length, 10_000);
  assert.equal(header.NbOfTxs, "10000");
  assert.equal(info.NbOfTxs, "10000");
  assert.equal(header.CtrlSum, "100.00");
  assert.equal(info.CtrlSum, "100.00");
  await assertValidAgainstXsd(xml, PAIN001_XSD);
});

Deno.test("ids are the caller's: MsgId, PmtInfId (MsgId by default), InstrId = EndToEndId", () => {
  const file = sepaFile([payment(), payment()]);
  const { header, info, txs } = read(buildPain001(file));
  assert.equal(header.MsgId, file.msgId);
  assert.equal(info.PmtInfId, file.msgId);
  assert.deepEqual(txs.map((tx) => tx.PmtId.EndToEndId), file.payments.map((p) => p.endToEndId));
  assert.deepEqual(txs.map((tx) => tx.PmtId.InstrId), file.payments.map((p) => p.endToEndId));

  const custom = read(buildPain001({ ...file, paymentInfoId: "PMTINF-1" }));
  assert.equal(custom.info.PmtInfId, "PMTINF-1");
});

Deno.test("creditor account, BIC and debtor are written as given; no BIC means no CdtrAgt", () => {
  const withBic = payment({ bic: "DEUTDEFF" });
  const withoutBic = payment();
  const { info, txs } = read(buildPain001(sepaFile([withBic, withoutBic])));
  assert.equal(txs[0].CdtrAcct.Id.IBAN, withBic.iban);
  assert.equal(txs[0].CdtrAgt?.FinInstnId.BICFI, "DEUTDEFF");
  assert.equal(txs[1].CdtrAgt, undefined);
  assert.equal(info.Dbtr.Nm, DEBTOR.name);
});

Deno.test("CreDtTm is the creation instant in UTC; ReqdExctnDt is the given calendar date", () => {
  const { header, info } = read(buildPain001(sepaFile()));
  assert.equal(header.CreDtTm, "2026-03-01T23:30:05Z");
  assert.equal(info.ReqdExctnDt.Dt, "2026-03-02");
});

Deno.test("the file is the same whatever the process's timezone", async () => {
  const fixtures = new URL("../helpers/sepa_fixtures.ts", import.meta.url).href;
  const builder = new URL("../../src/connectors/sepa_file/pain001.ts", import.meta.url).href;
  // Fixed ids, so that two processes write byte-identical files.
  const script = `
    import { buildPain001 } from "${builder}";
    import { payment, sepaFile } from "${fixtures}";
    const file = sepaFile([payment({ endToEndId: "E2E1", iban: "DE40987654329876543210" })],
      { msgId: "MSG1" });
    console.log(JSON.stringify({ offset: new Date(file.createdAt).getTimezoneOffset(),
      xml: buildPain001(file) }));`;
  const run = async (tz: string) => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", script],
      cwd: new URL("../../", import.meta.url).pathname,
      env: { TZ: tz, NO_COLOR: "1" },
      stdin: "null",
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    return JSON.parse(new TextDecoder().decode(output.stdout)) as { offset: number; xml: string };
  };
  const [east, west] = await Promise.all([run("Pacific/Kiritimati"), run("America/Adak")]);
  assert.equal(east.offset, -14 * 60); // the zones really were in force
  assert.equal(west.offset, 10 * 60);
  assert.equal(east.xml, west.xml);
  assert.match(east.xml, /<CreDtTm>2026-03-01T23:30:05Z<\/CreDtTm>/);
  assert.match(east.xml, /<ReqdExctnDt><Dt>2026-03-02<\/Dt><\/ReqdExctnDt>/);
});

Deno.test("names and remittance text are transliterated to the SEPA set and cut to 70 / 140", async () => {
  const xml = buildPain001(sepaFile([
    payment({ name: "Jürgen Groß & Søn", remittanceInfo: "Auszahlung für „März“ — 100 €" }),
    payment({ name: "A".repeat(80), remittanceInfo: "x".repeat(200) }),
    payment({ name: "Zoë O'Brien", remittanceInfo: "支付" }),
  ], { debtor: { ...DEBTOR, name: "Payouts & Co. KG" } }));
  const { header, info, txs } = read(xml);
  assert.equal(txs[0].Cdtr.Nm, "Jurgen Gross + Son");
  assert.equal(txs[0].RmtInf?.Ustrd, "Auszahlung fur 'Marz' - 100 EUR");
  assert.equal(txs[1].Cdtr.Nm, "A".repeat(70));
  assert.equal(txs[1].RmtInf?.Ustrd, "x".repeat(140));
  assert.equal(txs[2].Cdtr.Nm, "Zoe O'Brien");
  assert.equal(txs[2].RmtInf, undefined, "text with no Latin characters leaves no empty Ustrd");
  assert.equal(info.Dbtr.Nm, "Payouts + Co. KG");
  assert.equal(header.CtrlSum, "376.50");
  await assertValidAgainstXsd(xml, PAIN001_XSD);
});

Deno.test("a payment without remittance text has no RmtInf and still validates", async () => {
  const xml = buildPain001(sepaFile([payment({ remittanceInfo: undefined })]));
  assert.doesNotMatch(xml, /RmtInf/);
  await assertValidAgainstXsd(xml, PAIN001_XSD);
});

function refused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SepaFileError, `expected SepaFileError, got ${error}`);
    assert.equal(error.code, "sepa_file_invalid");
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("a file without payments is refused", () => {
  refused(() => buildPain001(sepaFile([])), /at least one payment/);
});

Deno.test("zero, negative and over-maximum amounts are refused", () => {
  refused(() => buildPain001(sepaFile([payment({ amountMinor: 0n })])), /must be positive/);
  refused(() => buildPain001(sepaFile([payment({ amountMinor: -1n })])), /must be positive/);
  refused(
    () => buildPain001(sepaFile([payment({ amountMinor: 100_000_000_000n })])),
    /over the SEPA maximum 999999999\.99/,
  );
});

Deno.test("an amount that is not a bigint is refused, so no float gets in", () => {
  const amount = 10 as unknown as bigint;
  refused(() => buildPain001(sepaFile([payment({ amountMinor: amount })])), /must be a bigint/);
});

Deno.test("too long or malformed ids are refused", () => {
  refused(() => buildPain001(sepaFile([payment({ endToEndId: "e".repeat(36) })])), /endToEndId/);
  refused(() => buildPain001(sepaFile([payment({ endToEndId: "" })])), /endToEndId/);
  refused(() => buildPain001(sepaFile([payment({ endToEndId: "with space" })])), /endToEndId/);
  refused(() => buildPain001(sepaFile([payment({ endToEndId: "/lead" })])), /endToEndId/);
  refused(() => buildPain001(sepaFile([payment({ endToEndId: "a//b" })])), /endToEndId/);
  refused(() => buildPain001(sepaFile([payment({ endToEndId: "ümlaut" })])), /endToEndId/);
  refused(() => buildPain001(sepaFile(undefined, { msgId: "m".repeat(36) })), /msgId/);
  refused(
    () => buildPain001(sepaFile(undefined, { paymentInfoId: "p".repeat(36) })),
    /paymentInfoId/,
  );
  assert.ok(buildPain001(sepaFile([payment({ endToEndId: "e".repeat(35) })])));
});

Deno.test("a repeated EndToEndId is refused", () => {
  const one = payment();
  refused(() => buildPain001(sepaFile([one, payment(), one])), /duplicate endToEndId/);
});

Deno.test("a name with no characters SEPA can carry is refused", () => {
  refused(() => buildPain001(sepaFile([payment({ name: "王小明" })])), /creditor name/);
  refused(() => buildPain001(sepaFile([payment({ name: "  " })])), /creditor name/);
  refused(
    () => buildPain001(sepaFile(undefined, { debtor: { ...DEBTOR, name: "" } })),
    /debtor name/,
  );
});

Deno.test("bad IBANs, BICs, dates and a BIC from another country than the IBAN are refused", () => {
  refused(() => buildPain001(sepaFile([payment({ iban: "DE00123456781234567890" })])), /IBAN/);
  refused(() => buildPain001(sepaFile([payment({ iban: "de87123456781234567890" })])), /IBAN/);
  refused(() => buildPain001(sepaFile([payment({ bic: "DEUT" })])), /BIC/);
  refused(
    () => buildPain001(sepaFile([payment({ iban: randomIban("FR"), bic: "DEUTDEFF" })])),
    /sepa library refused the file: country mismatch/,
  );
  refused(
    () => buildPain001(sepaFile(undefined, { requestedExecutionDate: "2026-02-30" })),
    /requestedExecutionDate/,
  );
  refused(
    () => buildPain001(sepaFile(undefined, { createdAt: new Date("nope") })),
    /createdAt/,
  );
});
