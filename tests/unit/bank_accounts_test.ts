import assert from "node:assert/strict";
import { maskAccount } from "../../src/bank_accounts/account_mask.ts";
import {
  bicIbanMismatch,
  bicProblem,
  ibanProblem,
  normalizeBic,
  normalizeIban,
} from "../../src/bank_accounts/iban.ts";

const judge = (text: string) => ibanProblem(normalizeIban(text));

Deno.test("an IBAN is normalised to its electronic format", () => {
  assert.equal(normalizeIban(" de89 3704 0044 0532 0130 00\t"), "DE89370400440532013000");
  assert.equal(normalizeIban("DE89-3704-0044-0532-0130-00"), "DE89370400440532013000");
  assert.equal(normalizeIban("fr14 2004 1010 0505 0001 3m02 606"), "FR1420041010050500013M02606");
  assert.equal(normalizeBic(" cobade ffxxx "), "COBADEFFXXX");
});

Deno.test("valid IBANs of SEPA countries pass", () => {
  for (
    const iban of [
      "DE89 3704 0044 0532 0130 00",
      "FR14 2004 1010 0505 0001 3M02 606",
      "GB82 WEST 1234 5698 7654 32",
      "NL91 ABNA 0417 1643 00",
      "CH93 0076 2011 6238 5295 7",
      "NO93 8601 1117 947",
      "AT61 1904 3002 3457 3201",
    ]
  ) {
    assert.equal(judge(iban), undefined, iban);
  }
});

Deno.test("each IBAN fault has its own message", () => {
  const cases: [string, string][] = [
    ["", "must not be empty"],
    ["   ", "must not be empty"],
    ["DE89370400440532013000!", "IBAN must hold only letters and digits"],
    ["DE89 3704 0044 0532 0130 01", "IBAN checksum is wrong"],
    ["DE89 3704 0044 0532 0130 0", "IBAN for DE must have 22 characters, not 21"],
    ["DE89 3704 0044 0532 0130 000", "IBAN for DE must have 22 characters, not 23"],
    [
      "XX89 3704 0044 0532 0130 00",
      'IBAN must start with the code of a country that has IBANs, not "XX"',
    ],
    [
      "US89 3704 0044 0532 0130 00",
      'IBAN must start with the code of a country that has IBANs, not "US"',
    ],
    ["DEAB 3704 0044 0532 0130 00", "IBAN check digits (characters 3–4) must be digits"],
    ["DE89 3704 0044 0532 0130 0A", "IBAN does not have the format of an IBAN for DE"],
    ["TR33 0006 1005 1978 6457 8413 26", "IBAN for TR is outside the SEPA scheme"],
  ];
  for (const [iban, message] of cases) assert.equal(judge(iban), message, iban);
});

Deno.test("a BIC must have the BIC format and a real country", () => {
  for (const bic of ["COBADEFFXXX", "COBADEFF", "BNPAFRPP", "DEUTDE5M"]) {
    assert.equal(bicProblem(bic), undefined, bic);
  }
  assert.equal(bicProblem(""), "must not be empty");
  for (const bic of ["COBADE", "COBADEFFX", "COBADEFFXXXX", "1OBADEFF", "COBA-EFF"]) {
    assert.match(bicProblem(bic) ?? "", /^BIC must be 8 or 11 characters/, bic);
  }
  assert.equal(bicProblem("COBAXXFF"), "BIC country code XX (characters 5–6) is not a country");
});

Deno.test("a BIC of another country than the IBAN's is refused, naming both", () => {
  assert.equal(
    bicIbanMismatch("BNPAFRPP", "DE89370400440532013000"),
    "BIC is for FR (characters 5–6) but the IBAN is for DE",
  );
  assert.equal(bicIbanMismatch("COBADEFFXXX", "DE89370400440532013000"), undefined);
  // Banks of territories that use another country's IBANs.
  assert.equal(bicIbanMismatch("RBOSJESH", "GB82WEST12345698765432"), undefined);
  assert.equal(bicIbanMismatch("BNPAGPGP", "FR1420041010050500013M02606"), undefined);
  assert.match(bicIbanMismatch("RBOSJESH", "FR1420041010050500013M02606") ?? "", /JE .* FR/);
});

Deno.test("an account is masked to its last four characters, or wholly when short", () => {
  assert.equal(maskAccount("DE89370400440532013000"), "•••• 3000");
  assert.equal(maskAccount("ACC-1234"), "•••• 1234");
  assert.equal(maskAccount("ACC-123"), "••••");
  assert.equal(maskAccount("A"), "••••");
  // Code points, not UTF-16 units: an astral character is one character.
  assert.equal(maskAccount("𝔄𝔅𝔆𝔇𝔈𝔉𝔊𝔋"), "•••• 𝔈𝔉𝔊𝔋");
  assert.doesNotMatch(maskAccount("DE89370400440532013000"), /DE89|0532/);
});
