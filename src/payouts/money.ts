/**
 * Exact money handling. Amounts live as integer minor units (`bigint`) and
 * are only ever moved between representations by string manipulation, so no
 * binary floating point ever touches a value.
 */

/** Largest payout, in major units of any currency (inclusive). */
export const MAX_MAJOR_UNITS = 1_000_000_000n;

/** Outcome of {@link parseAmount}: minor units, or a message for the client. */
export type AmountResult =
  | { ok: true; minor: bigint }
  | { ok: false; message: string };

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
// Digits in the integer part of MAX_MAJOR_UNITS; anything longer is over it,
// which lets absurdly long input be rejected without building a BigInt.
const MAX_INTEGER_DIGITS = MAX_MAJOR_UNITS.toString().length;

const FORMAT_MESSAGE = 'must be a decimal string such as "125.50" or a number';
const POSITIVE_MESSAGE = "must be greater than 0";
const MAX_MESSAGE = `must be at most ${MAX_MAJOR_UNITS}`;

function fail(message: string): AmountResult {
  return { ok: false, message };
}

function assertExponent(exponent: number): void {
  if (!Number.isSafeInteger(exponent) || exponent < 0) {
    throw new RangeError(`invalid currency exponent: ${exponent}`);
  }
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/**
 * Writes a finite, non-negative number as a plain decimal string.
 * `String(n)` is the shortest text that round-trips to `n`, which is what the
 * client most plausibly meant; exponent notation ("1e+21", "1.5e-7") is
 * expanded by moving the decimal point in the text.
 */
function plainDecimal(n: number): string {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(n));
  if (match === null) throw new Error(`unexpected number text: ${n}`);
  const [, int, frac = "", exp = "0"] = match;
  if (exp === "0") return frac === "" ? int : `${int}.${frac}`;
  const digits = int + frac;
  const point = int.length + Number(exp);
  if (point <= 0) return `0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + "0".repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * Parses a client-supplied payout amount into minor units.
 *
 * Accepts a decimal string matching `^(0|[1-9][0-9]*)(\.[0-9]+)?$` or a
 * finite JSON number (read as its shortest round-trip decimal). The amount
 * must be greater than 0, at most {@link MAX_MAJOR_UNITS}, and written with
 * no more fraction digits than `exponent` ("1.20" is fine for USD, "1000.0"
 * is not for JPY).
 *
 * @param exponent the currency's ISO 4217 minor unit.
 * @throws RangeError if `exponent` is not a non-negative integer.
 */
export function parseAmount(input: unknown, exponent: number): AmountResult {
  assertExponent(exponent);
  let text: string;
  if (typeof input === "string") {
    text = input;
    // "-5" is well-formed but negative; say so rather than "bad format".
    if (text.startsWith("-") && DECIMAL.test(text.slice(1))) {
      return fail(POSITIVE_MESSAGE);
    }
  } else if (typeof input === "number") {
    if (!Number.isFinite(input)) return fail("must be a finite number");
    if (input <= 0) return fail(POSITIVE_MESSAGE); // also catches -0
    text = plainDecimal(input);
  } else {
    return fail(FORMAT_MESSAGE);
  }

  const match = DECIMAL.exec(text);
  if (match === null) return fail(FORMAT_MESSAGE);
  const [, int, frac = ""] = match;
  if (frac.length > exponent) {
    return fail(
      exponent === 0
        ? "must have no decimal places for this currency"
        : `must have at most ${exponent} decimal places for this currency`,
    );
  }
  if (int.length > MAX_INTEGER_DIGITS) return fail(MAX_MESSAGE);

  const minor = BigInt(int + frac.padEnd(exponent, "0"));
  if (minor === 0n) return fail(POSITIVE_MESSAGE);
  if (minor > MAX_MAJOR_UNITS * pow10(exponent)) return fail(MAX_MESSAGE);
  return { ok: true, minor };
}

/**
 * Formats minor units as a major-unit decimal string with exactly `exponent`
 * fraction digits: (12550n, 2) → "125.50", (1000n, 0) → "1000",
 * (5n, 3) → "0.005".
 *
 * @throws RangeError if `exponent` is not a non-negative integer.
 */
export function formatMinor(minor: bigint, exponent: number): string {
  assertExponent(exponent);
  const sign = minor < 0n ? "-" : "";
  const digits = (minor < 0n ? -minor : minor).toString();
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, "0");
  const point = padded.length - exponent;
  return `${sign}${padded.slice(0, point)}.${padded.slice(point)}`;
}

/**
 * Converts Postgres `numeric` text (e.g. "125.5000" from a `numeric(14, 4)`
 * column) into minor units of a currency with the given exponent. Trailing
 * zeros beyond the exponent are dropped.
 *
 * @throws Error if the text is not a plain decimal, or has non-zero digits
 *   beyond `exponent`: stored amounts were validated for their currency, so
 *   that is an invariant violation. To ask whether an amount fits another
 *   currency, use {@link minorFitsExponent}.
 */
export function numericToMinor(numeric: string, exponent: number): bigint {
  assertExponent(exponent);
  const match = /^(-?)([0-9]+)(?:\.([0-9]+))?$/.exec(numeric);
  if (match === null) throw new Error(`not a plain numeric value: ${numeric}`);
  const [, sign, int, frac = ""] = match;
  if (/[^0]/.test(frac.slice(exponent))) {
    throw new Error(
      `numeric ${numeric} has more than ${exponent} significant decimal places`,
    );
  }
  return BigInt(sign + int + frac.slice(0, exponent).padEnd(exponent, "0"));
}

/**
 * Re-expresses `minor` (in units of `fromExponent`) in units of
 * `toExponent`, exactly: 10000n from 2 to 0 → 100n, 5n from 0 to 3 → 5000n.
 *
 * @returns the converted amount, or `undefined` if it would need rounding
 *   (12550n from 2 to 0).
 * @throws RangeError if either exponent is not a non-negative integer.
 */
export function minorFitsExponent(
  minor: bigint,
  fromExponent: number,
  toExponent: number,
): bigint | undefined {
  assertExponent(fromExponent);
  assertExponent(toExponent);
  if (toExponent >= fromExponent) {
    return minor * pow10(toExponent - fromExponent);
  }
  const divisor = pow10(fromExponent - toExponent);
  return minor % divisor === 0n ? minor / divisor : undefined;
}
