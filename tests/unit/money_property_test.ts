import assert from "node:assert/strict";
import fc from "fast-check";
import { formatMinor, MAX_MAJOR_UNITS, parseAmount } from "../../src/payouts/money.ts";

const EXPONENTS = [0, 2, 3];
const RUNS = 500;

const maxMinor = (exponent: number) => MAX_MAJOR_UNITS * 10n ** BigInt(exponent);
const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: min, maxLength: max });

/** Anything a client might send as an amount, valid or not. */
const anyAmount = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.bigInt().map(String),
  fc.tuple(digits(0, 14), fc.constantFrom("", ".", ","), digits(0, 6), fc.constantFrom("", "-"))
    .map(([int, point, frac, sign]) => sign + int + point + frac),
  fc.string(),
  fc.constantFrom("1e3", "0x10", " 1", "1 ", "+1", "Infinity", "NaN", "-0", "0.000", "00.1"),
  fc.anything(),
);

for (const exponent of EXPONENTS) {
  Deno.test(`formatMinor then parseAmount gives back the amount (exponent ${exponent})`, () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: maxMinor(exponent) }), (minor) => {
        const text = formatMinor(minor, exponent);
        const fraction = text.split(".")[1] ?? "";
        assert.equal(fraction.length, exponent);
        assert.deepEqual(parseAmount(text, exponent), { ok: true, minor });
      }),
      { numRuns: RUNS },
    );
  });

  Deno.test(`parseAmount then formatMinor keeps the value of any valid text (exponent ${exponent})`, () => {
    const valid = fc.tuple(
      fc.bigInt({ min: 0n, max: MAX_MAJOR_UNITS - 1n }),
      digits(0, exponent),
      fc.boolean(),
    ).map(([int, frac, point]) => `${int}${point && frac ? `.${frac}` : ""}`)
      .filter((text) => /[1-9]/.test(text));
    fc.assert(
      fc.property(valid, (text) => {
        const parsed = parseAmount(text, exponent);
        assert.ok(parsed.ok, text);
        const [int, frac = ""] = text.split(".");
        assert.equal(
          formatMinor(parsed.minor, exponent),
          `${int}${exponent ? "." : ""}${frac.padEnd(exponent, "0")}`,
        );
      }),
      { numRuns: RUNS },
    );
  });

  Deno.test(`parseAmount rejects more fraction digits than the currency has (exponent ${exponent})`, () => {
    const tooPrecise = fc.tuple(digits(1, 10), digits(exponent + 1, exponent + 8))
      .map(([int, frac]) => `${int.replace(/^0+(?=.)/, "")}.${frac}`);
    fc.assert(
      fc.property(tooPrecise, (text) => {
        // Trailing zeros included: "1000.0" is a 400 for JPY even though it equals 1000.
        assert.equal(parseAmount(text, exponent).ok, false, text);
      }),
      { numRuns: RUNS },
    );
  });

  Deno.test(`parseAmount never accepts an amount <= 0 or over the maximum (exponent ${exponent})`, () => {
    fc.assert(
      fc.property(anyAmount, (input) => {
        const parsed = parseAmount(input, exponent);
        if (!parsed.ok) return;
        assert.ok(parsed.minor > 0n, String(input));
        assert.ok(parsed.minor <= maxMinor(exponent), String(input));
        const text = formatMinor(parsed.minor, exponent);
        // What was accepted is exactly what was sent, never a rounding of it.
        assert.equal(Number(text), Number(input), String(input));
      }),
      { numRuns: RUNS * 4 },
    );
  });
}

Deno.test("parseAmount reads a JSON number as its shortest round-trip decimal", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.double({ min: 0, max: 1e10, noNaN: true }),
        // Cents as JSON numbers: the common case, and where float noise would show.
        fc.integer({ min: 0, max: 1e11 }).map((cents) => cents / 100),
      ),
      (value) => {
        const parsed = parseAmount(value, 2);
        const text = String(value);
        const plain = /^\d+(\.\d{1,2})?$/.test(text) && value > 0 && value <= 1e9;
        assert.equal(parsed.ok, plain, text);
        if (parsed.ok) assert.equal(Number(formatMinor(parsed.minor, 2)), value);
      },
    ),
    { numRuns: RUNS * 2 },
  );
});
