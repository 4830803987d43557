import assert from "node:assert/strict";
import fc from "fast-check";
import { XMLParser } from "fast-xml-parser";
import { checksumIBAN } from "sepa";
import { buildPain001, type SepaPaymentInput } from "../../src/connectors/sepa_file/pain001.ts";
import { MAX_AMOUNT_MINOR } from "../../src/connectors/sepa_file/pain001_input.ts";
import { endToEndIdFor } from "../../src/connectors/sepa_file/sepa_ids.ts";
import { isSepaText } from "../../src/connectors/sepa_file/sepa_text.ts";
import { sepaFile } from "../helpers/sepa_fixtures.ts";
import { PAIN001_XSD, validateAgainstXsd } from "../helpers/xmllint.ts";

// Each run starts xmllint once; a few dozen random batches keep the test in seconds.
const RUNS = 30;

// Written independently of src/payouts/money.ts so the property does not check code by itself.
const euros = (cents: bigint) => `${cents / 100n}.${(cents % 100n).toString().padStart(2, "0")}`;

const amount = fc.oneof(
  fc.bigInt({ min: 1n, max: 1_000n }),
  fc.bigInt({ min: 1n, max: MAX_AMOUNT_MINOR }),
  fc.constantFrom(1n, 10n, 20n, 30n, MAX_AMOUNT_MINOR),
);
// A name always has a Latin letter, so it survives transliteration; the rest is any text.
const name = fc.tuple(
  fc.constantFrom("A", "é", "z"),
  fc.string({ unit: "grapheme", maxLength: 90 }),
)
  .map(([first, rest]) => first + rest);
const iban = fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 18, maxLength: 18 })
  .map((bban) => checksumIBAN(`DE00${bban}`));

const payments = fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 25 }).chain((ids) =>
  fc.tuple(
    ...ids.map((id) =>
      fc.record({
        endToEndId: fc.constant(endToEndIdFor(id)),
        amountMinor: amount,
        name,
        iban,
        bic: fc.option(fc.constantFrom("DEUTDEFF", "COBADEFFXXX"), { nil: undefined }),
        remittanceInfo: fc.option(fc.string({ unit: "grapheme", maxLength: 200 }), {
          nil: undefined,
        }),
      })
    ),
  )
);

interface Tx {
  Amt: { InstdAmt: { "#text": string } };
  Cdtr: { Nm: string };
  RmtInf?: { Ustrd: string };
}

Deno.test("random batches validate against the schema and CtrlSum is their exact sum", async () => {
  await fc.assert(
    fc.asyncProperty(payments, async (batch: SepaPaymentInput[]) => {
      const xml = buildPain001(sepaFile(batch));
      const result = await validateAgainstXsd(xml, PAIN001_XSD);
      assert.ok(result.valid, result.output);

      const initiation = new XMLParser({
        ignoreAttributes: false,
        parseTagValue: false,
        isArray: (tag) => tag === "CdtTrfTxInf",
      }).parse(xml).Document.CstmrCdtTrfInitn;
      const sum = euros(batch.reduce((total, p) => total + p.amountMinor, 0n));
      assert.equal(initiation.GrpHdr.CtrlSum, sum);
      assert.equal(initiation.PmtInf.CtrlSum, sum);
      assert.equal(initiation.GrpHdr.NbOfTxs, String(batch.length));
      const txs: Tx[] = initiation.PmtInf.CdtTrfTxInf;
      assert.deepEqual(
        txs.map((tx) => tx.Amt.InstdAmt["#text"]),
        batch.map((p) => euros(p.amountMinor)),
      );
      for (const tx of txs) {
        assert.ok(isSepaText(tx.Cdtr.Nm) && tx.Cdtr.Nm.length <= 70, tx.Cdtr.Nm);
        if (tx.RmtInf) assert.ok(isSepaText(tx.RmtInf.Ustrd) && tx.RmtInf.Ustrd.length <= 140);
      }
    }),
    { numRuns: RUNS },
  );
});
