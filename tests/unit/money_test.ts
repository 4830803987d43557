import assert from "node:assert/strict";
import {
  type AmountResult,
  formatMinor,
  MAX_MAJOR_UNITS,
  minorFitsExponent,
  numericToMinor,
  parseAmount,
} from "../../src/payouts/money.ts";

function ok(result: AmountResult): bigint {
  if (!result.ok) assert.fail(`expected ok, got "${result.message}"`);
  return result.minor;
}

function error(result: AmountResult): string {
  if (result.ok) assert.fail(`expected an error, got ${result.minor}n`);
  return result.message;
}

const FORMAT = /must be a decimal string such as "125.50" or a number/;

Deno.test("parseAmount converts decimal strings to minor units", () => {
  assert.equal(ok(parseAmount("125.50", 2)), 12550n);
  assert.equal(ok(parseAmount("125.5", 2)), 12550n);
  assert.equal(ok(parseAmount("125", 2)), 12500n);
  assert.equal(ok(parseAmount("1000", 0)), 1000n);
  assert.equal(ok(parseAmount("1.234", 3)), 1234n);
  assert.equal(ok(parseAmount("0.5", 3)), 500n);
});

Deno.test("parseAmount accepts trailing zeros within the currency's places", () => {
  assert.equal(ok(parseAmount("1.20", 2)), 120n);
  assert.equal(ok(parseAmount("1.2", 2)), 120n);
  assert.equal(ok(parseAmount("1.000", 3)), 1000n);
});

Deno.test("parseAmount rejects more fraction digits than the currency allows", () => {
  assert.match(error(parseAmount("1.234", 2)), /at most 2 decimal places/);
  assert.match(error(parseAmount("1.2340", 3)), /at most 3 decimal places/);
  assert.match(error(parseAmount("1.00", 1)), /at most 1 decimal places/);
  // Written digits count, even when they are zeros.
  assert.match(error(parseAmount("1000.0", 0)), /no decimal places/);
  assert.match(error(parseAmount("1.000", 2)), /at most 2 decimal places/);
});

Deno.test("parseAmount accepts the smallest unit and rejects zero", () => {
  assert.equal(ok(parseAmount("1", 0)), 1n);
  assert.equal(ok(parseAmount("0.01", 2)), 1n);
  assert.equal(ok(parseAmount("0.001", 3)), 1n);
  for (
    const [zero, exponent] of [["0", 0], ["0", 2], ["0.00", 2], [
      "0.000",
      3,
    ]] as const
  ) {
    assert.equal(error(parseAmount(zero, exponent)), "must be greater than 0");
  }
  assert.equal(error(parseAmount(0, 2)), "must be greater than 0");
  assert.equal(error(parseAmount(-0, 2)), "must be greater than 0");
});

Deno.test("parseAmount accepts exactly the maximum and rejects one unit over", () => {
  assert.equal(MAX_MAJOR_UNITS, 1_000_000_000n);
  assert.equal(ok(parseAmount("1000000000", 0)), 1_000_000_000n);
  assert.equal(ok(parseAmount("1000000000.00", 2)), 100_000_000_000n);
  assert.equal(ok(parseAmount("1000000000.000", 3)), 1_000_000_000_000n);
  assert.equal(ok(parseAmount(1e9, 2)), 100_000_000_000n);
  assert.equal(ok(parseAmount("999999999.99", 2)), 99_999_999_999n);

  const over = "must be at most 1000000000";
  assert.equal(error(parseAmount("1000000001", 0)), over);
  assert.equal(error(parseAmount("1000000000.01", 2)), over);
  assert.equal(error(parseAmount("1000000000.001", 3)), over);
  assert.equal(error(parseAmount(1000000000.01, 2)), over);
  assert.equal(error(parseAmount("9999999999", 2)), over);
  assert.equal(error(parseAmount("10000000000", 2)), over);
});

Deno.test("parseAmount rejects huge strings without converting their digits", () => {
  // Converting a million digits to a BigInt is the slow path a hostile client
  // would aim for; record every conversion while the huge inputs are parsed.
  const converted: number[] = [];
  const original = globalThis.BigInt;
  globalThis.BigInt = new Proxy(original, {
    apply(target, self, args) {
      converted.push(String(args[0]).length);
      return Reflect.apply(target, self, args);
    },
  });
  try {
    assert.equal(
      error(parseAmount("9".repeat(10_000), 2)),
      "must be at most 1000000000",
    );
    assert.equal(
      error(parseAmount("9".repeat(1_000_000) + ".5", 2)),
      "must be at most 1000000000",
    );
    assert.match(
      error(parseAmount("1." + "0".repeat(1_000_000), 2)),
      /at most 2 decimal places/,
    );
    assert.match(error(parseAmount("1".repeat(1_000_000) + "x", 2)), FORMAT);
    assert.equal(ok(parseAmount("12.5", 2)), 1250n);
  } finally {
    globalThis.BigInt = original;
  }
  // The valid amount was converted (so the spy sees conversions), and nothing
  // longer than a legitimate amount ever was.
  assert.ok(converted.includes(4), `conversions seen: ${converted}`);
  assert.ok(Math.max(...converted) <= 4, `conversions seen: ${converted}`);
});

Deno.test("parseAmount reads numbers by their shortest decimal form", () => {
  assert.equal(ok(parseAmount(125.5, 2)), 12550n);
  assert.equal(ok(parseAmount(125, 0)), 125n);
  assert.equal(ok(parseAmount(0.1, 2)), 10n);
  assert.equal(ok(parseAmount(0.01, 2)), 1n);
  assert.equal(ok(parseAmount(1.005, 3)), 1005n);
  assert.equal(ok(parseAmount(1.2, 2)), 120n);
});

Deno.test("parseAmount rejects float noise as too many fraction digits", () => {
  assert.match(
    error(parseAmount(0.1 + 0.2, 2)),
    /at most 2 decimal places/,
  );
  assert.match(error(parseAmount(0.1 + 0.2, 3)), /at most 3 decimal places/);
});

Deno.test("parseAmount expands exponent notation without float arithmetic", () => {
  assert.equal(error(parseAmount(1e21, 2)), "must be at most 1000000000");
  assert.equal(error(parseAmount(1.5e300, 0)), "must be at most 1000000000");
  assert.match(error(parseAmount(1e-7, 2)), /at most 2 decimal places/);
  assert.match(error(parseAmount(1.5e-7, 3)), /at most 3 decimal places/);
  assert.match(error(parseAmount(5e-324, 3)), /at most 3 decimal places/);
  // 1e-7 is exactly seven places, so it is fine wherever seven are allowed.
  assert.equal(ok(parseAmount(1e-7, 7)), 1n);
  assert.equal(ok(parseAmount(1.5e-7, 8)), 15n);
  assert.equal(ok(parseAmount(1.5e-7, 10)), 1500n);
});

Deno.test("parseAmount rejects non-finite and negative numbers", () => {
  assert.equal(error(parseAmount(NaN, 2)), "must be a finite number");
  assert.equal(error(parseAmount(Infinity, 2)), "must be a finite number");
  assert.equal(error(parseAmount(-Infinity, 2)), "must be a finite number");
  assert.equal(error(parseAmount(-1, 2)), "must be greater than 0");
  assert.equal(error(parseAmount(-0.01, 2)), "must be greater than 0");
});

Deno.test("parseAmount rejects negative strings as not greater than 0", () => {
  assert.equal(error(parseAmount("-5", 2)), "must be greater than 0");
  assert.equal(error(parseAmount("-0", 2)), "must be greater than 0");
  assert.match(error(parseAmount("-01", 2)), FORMAT);
});

Deno.test("parseAmount rejects malformed decimal strings", () => {
  const malformed = [
    "",
    " ",
    "+1",
    " 1",
    "1 ",
    "01",
    "00",
    "00.5",
    "1.",
    ".5",
    "1e3",
    "1E3",
    "1,5",
    "1_000",
    "0x10",
    "Infinity",
    "NaN",
    "1.2.3",
    "١٢٣", // Arabic-Indic digits
    "1\n",
  ];
  for (const input of malformed) {
    assert.match(error(parseAmount(input, 2)), FORMAT, JSON.stringify(input));
  }
});

Deno.test("parseAmount rejects values that are neither strings nor numbers", () => {
  const values = [
    true,
    false,
    null,
    undefined,
    {},
    [],
    ["1"],
    { amount: "1" },
    1n,
  ];
  for (const value of values) {
    assert.match(error(parseAmount(value, 2)), FORMAT, String(value));
  }
});

Deno.test("parseAmount throws on an invalid exponent", () => {
  assert.throws(() => parseAmount("1", -1), RangeError);
  assert.throws(() => parseAmount("1", 1.5), RangeError);
  assert.throws(() => parseAmount("1", NaN), RangeError);
});

Deno.test("formatMinor writes exactly the currency's fraction digits", () => {
  assert.equal(formatMinor(12550n, 2), "125.50");
  assert.equal(formatMinor(1000n, 0), "1000");
  assert.equal(formatMinor(5n, 3), "0.005");
  assert.equal(formatMinor(1n, 2), "0.01");
  assert.equal(formatMinor(0n, 2), "0.00");
  assert.equal(formatMinor(0n, 0), "0");
  assert.equal(formatMinor(100_000_000_000n, 2), "1000000000.00");
  assert.equal(formatMinor(-12550n, 2), "-125.50");
  assert.equal(formatMinor(-5n, 3), "-0.005");
});

Deno.test("formatMinor and parseAmount round-trip", () => {
  const cases: [string, number][] = [
    ["0.01", 2],
    ["125.50", 2],
    ["1000000000.00", 2],
    ["1", 0],
    ["1000000000", 0],
    ["0.001", 3],
    ["12.345", 3],
    ["1000000000.000", 3],
  ];
  for (const [text, exponent] of cases) {
    const minor = ok(parseAmount(text, exponent));
    assert.equal(formatMinor(minor, exponent), text);
    assert.equal(
      ok(parseAmount(formatMinor(minor, exponent), exponent)),
      minor,
    );
  }
});

Deno.test("numericToMinor reads Postgres numeric text with a larger scale", () => {
  assert.equal(numericToMinor("125.5000", 2), 12550n);
  assert.equal(numericToMinor("1000.0000", 0), 1000n);
  assert.equal(numericToMinor("0.0050", 3), 5n);
  assert.equal(numericToMinor("1000000000.0000", 3), 1_000_000_000_000n);
  assert.equal(numericToMinor("125", 2), 12500n);
  assert.equal(numericToMinor("125.5", 2), 12550n);
  assert.equal(numericToMinor("0.0100", 2), 1n);
});

Deno.test("numericToMinor throws when digits beyond the exponent are non-zero", () => {
  assert.throws(() => numericToMinor("125.5000", 0), Error);
  assert.throws(() => numericToMinor("1.2345", 3), Error);
  assert.throws(() => numericToMinor("0.0001", 2), Error);
});

Deno.test("numericToMinor throws on text that is not a plain decimal", () => {
  for (const text of ["", "NaN", "Infinity", "1e3", "1.", ".5", " 1"]) {
    assert.throws(() => numericToMinor(text, 2), Error, JSON.stringify(text));
  }
});

Deno.test("minorFitsExponent scales up to a larger exponent exactly", () => {
  assert.equal(minorFitsExponent(5n, 0, 3), 5000n);
  assert.equal(minorFitsExponent(12550n, 2, 3), 125500n);
  assert.equal(minorFitsExponent(12550n, 2, 2), 12550n);
});

Deno.test("minorFitsExponent scales down only when no rounding is needed", () => {
  assert.equal(minorFitsExponent(10000n, 2, 0), 100n);
  assert.equal(minorFitsExponent(12500n, 3, 2), 1250n);
  assert.equal(minorFitsExponent(12550n, 2, 0), undefined);
  assert.equal(minorFitsExponent(1n, 3, 2), undefined);
  assert.equal(minorFitsExponent(1001n, 3, 0), undefined);
});

Deno.test("minorFitsExponent round-trips when scaling up then down", () => {
  for (const minor of [1n, 12550n, 100_000_000_000n]) {
    const up = minorFitsExponent(minor, 2, 3);
    assert.equal(up, minor * 10n);
    assert.equal(minorFitsExponent(up!, 3, 2), minor);
  }
});
