import assert from "node:assert/strict";
import { CURRENCY_CODES, currencyExponent } from "../../src/payouts/currencies.ts";

Deno.test("currencyExponent returns the ISO minor unit of known currencies", () => {
  const expected: Record<string, number> = {
    USD: 2,
    EUR: 2,
    GBP: 2,
    JPY: 0,
    KRW: 0,
    CLP: 0,
    ISK: 0,
    VND: 0,
    UGX: 0,
    XAF: 0,
    XOF: 0,
    XPF: 0,
    BHD: 3,
    KWD: 3,
    OMR: 3,
    JOD: 3,
    TND: 3,
    LYD: 3,
    IQD: 3,
  };
  for (const [code, exponent] of Object.entries(expected)) {
    assert.equal(currencyExponent(code), exponent, code);
  }
});

Deno.test("currencyExponent knows the recently introduced codes", () => {
  for (const code of ["XCG", "ZWG", "VED", "VES", "SLE"]) {
    assert.equal(currencyExponent(code), 2, code);
  }
});

Deno.test("currencyExponent excludes metals, funds, test and withdrawn codes", () => {
  const excluded = [
    // precious metals
    "XAU",
    "XAG",
    "XPT",
    "XPD",
    // funds and units of account
    "XDR",
    "USN",
    "BOV",
    "CHE",
    "CHW",
    "CLF",
    "COU",
    "MXV",
    "UYI",
    "UYW",
    "XSU",
    "XUA",
    "XBA",
    "XBD",
    // test / no currency
    "XTS",
    "XXX",
    // withdrawn
    "HRK",
    "SLL",
    "ZWL",
    "CUC",
    "VEF",
    "MRO",
    "STD",
    "BYR",
    "LTL",
    "LVL",
    "ANG",
    "BGN",
  ];
  for (const code of excluded) {
    assert.equal(currencyExponent(code), undefined, code);
    assert.ok(!CURRENCY_CODES.includes(code), code);
  }
});

Deno.test("currencyExponent is case-sensitive and ignores non-codes", () => {
  for (
    const code of ["usd", "Usd", "", "US", "USDD", "toString", "__proto__"]
  ) {
    assert.equal(currencyExponent(code), undefined, code);
  }
});

Deno.test("CURRENCY_CODES is sorted, unique and all three upper-case letters", () => {
  assert.ok(CURRENCY_CODES.length > 150);
  assert.deepEqual([...CURRENCY_CODES], [...CURRENCY_CODES].sort());
  assert.equal(new Set(CURRENCY_CODES).size, CURRENCY_CODES.length);
  for (const code of CURRENCY_CODES) {
    assert.match(code, /^[A-Z]{3}$/);
    assert.ok([0, 2, 3].includes(currencyExponent(code)!), code);
  }
});

Deno.test("CURRENCY_CODES cannot be mutated", () => {
  assert.throws(() => (CURRENCY_CODES as string[]).push("ABC"), TypeError);
});
