/**
 * The constraints the OpenAPI document states as JSON Schema accept exactly what the
 * service's own validation accepts (patterns are ECMA-262, with the `u` flag as JSON
 * Schema validators use them).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { trimmedLengthPattern } from "../../src/http/route_schemas.ts";
import { parseAmount } from "../../src/payouts/money.ts";
import { AMOUNT_PATTERN, Currency, RecipientDetails } from "../../src/payouts/payouts.schemas.ts";
import { CURRENCY_CODES } from "../../src/payouts/currencies.ts";

const amountPattern = new RegExp(AMOUNT_PATTERN, "u");
const digits = (max: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 0, maxLength: max });
const amountText = fc.oneof(
  fc.tuple(digits(11), fc.option(digits(5))).map(([int, frac]) =>
    frac === null ? int : `${int}.${frac}`
  ),
  fc.constantFrom("0", "0.0", "0.000", "0.001", "1000000000", "1000000000.000", "1000000000.001"),
  fc.constantFrom("999999999.999", "1000000001", "01", "1.", ".5", "-1", "1e3", " 1", "1.0000"),
  fc.string(),
);

Deno.test("the documented amount pattern accepts exactly the strings parseAmount does", () => {
  fc.assert(
    fc.property(amountText, (text) => {
      // 3: the most fraction digits of any currency, what the schema judges before the currency.
      assert.equal(amountPattern.test(text), parseAmount(text, 3).ok, JSON.stringify(text));
    }),
    { numRuns: 5000 },
  );
});

const accountPattern = new RegExp(trimmedLengthPattern(64), "u");
const white = fc.constantFrom(" ", "\t", "\n", "\u00a0", "\u2028", "\ufeff", "\u3000");
const visible = fc.constantFrom("a", "Z", "9", "é", "😀", "-", "\u200b");
const account = fc.tuple(
  fc.array(white, { maxLength: 3 }),
  fc.array(fc.oneof(visible, white), { maxLength: 70 }),
  fc.array(white, { maxLength: 3 }),
).map(([before, middle, after]) => [...before, ...middle, ...after].join(""));

Deno.test("the documented account pattern accepts exactly the accounts the schema does", () => {
  fc.assert(
    fc.property(account, (text) => {
      const accepted = RecipientDetails.safeParse({ account: text }).success;
      assert.equal(accountPattern.test(text), accepted, JSON.stringify(text));
    }),
    { numRuns: 5000 },
  );
});

Deno.test("the documented currency pattern admits every supported code in any case", () => {
  const pattern = /^[A-Za-z]{3}$/u;
  for (const code of CURRENCY_CODES) {
    for (const written of [code, code.toLowerCase(), code[0] + code.slice(1).toLowerCase()]) {
      assert.ok(pattern.test(written), written);
      assert.equal(Currency.parse(written), code);
    }
  }
  for (const refused of ["US", "USDD", "U5D", "usd "]) {
    assert.equal(pattern.test(refused), false, refused);
    assert.equal(Currency.safeParse(refused).success, false, refused);
  }
});
