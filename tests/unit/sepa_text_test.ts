import assert from "node:assert/strict";
import fc from "fast-check";
import {
  isSepaId,
  isSepaText,
  NAME_MAX_LENGTH,
  toSepaText,
} from "../../src/connectors/sepa_file/sepa_text.ts";

Deno.test("toSepaText drops accents and spells out letters without a decomposition", () => {
  assert.equal(toSepaText("Jürgen Müller-Lüdenscheidt", 70), "Jurgen Muller-Ludenscheidt");
  assert.equal(toSepaText("Straße", 70), "Strasse");
  assert.equal(toSepaText("Ærøskøbing Łódź Œuvre Þór", 70), "AEroskobing Lodz OEuvre THor");
  assert.equal(toSepaText("François Ñúñez Čapek Dvořák", 70), "Francois Nunez Capek Dvorak");
  assert.equal(toSepaText("ﬁnance Ｍａｒｉｅ", 70), "finance Marie");
});

Deno.test("toSepaText maps &, quotes, dashes and brackets to their SEPA stand-ins", () => {
  assert.equal(toSepaText("Smith & Sons", 70), "Smith + Sons");
  assert.equal(toSepaText('„Quote“ ‘x’ "y"', 70), "'Quote' 'x' 'y'");
  assert.equal(toSepaText("a–b—c_d", 70), "a-b-c-d");
  assert.equal(toSepaText("[a] {b} <c>", 70), "(a) (b) (c)");
  assert.equal(toSepaText("10 €; thanks!", 70), "10 EUR, thanks.");
});

Deno.test("toSepaText keeps the whole SEPA set unchanged", () => {
  const all = "abcXYZ 0189 / - ? : ( ) . , ' +";
  assert.equal(toSepaText(all, 140), all);
});

Deno.test("toSepaText turns other characters into single spaces and trims", () => {
  assert.equal(toSepaText("  a\tb\n\nc  @ #d  ", 70), "a b c d");
  assert.equal(toSepaText("王小明", 70), "");
  assert.equal(toSepaText("Anna 王", 70), "Anna");
});

Deno.test("toSepaText cuts to the maximum length and leaves no trailing space", () => {
  assert.equal(toSepaText("x".repeat(80), 70), "x".repeat(70));
  assert.equal(toSepaText("a".repeat(69) + " b", 70), "a".repeat(69));
  // Spelling out happens before cutting: ß counts as two characters.
  assert.equal(toSepaText("ß".repeat(40), 70), "s".repeat(70));
});

Deno.test("toSepaText always yields SEPA text within the limit, whatever the input", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: "grapheme", maxLength: 200 }),
      fc.integer({ min: 1, max: 140 }),
      (text, max) => {
        const out = toSepaText(text, max);
        assert.ok(isSepaText(out), JSON.stringify(out));
        assert.ok(out.length <= max);
        assert.equal(out, out.trim());
        assert.doesNotMatch(out, / {2}/);
      },
    ),
    { numRuns: 1000 },
  );
});

Deno.test("toSepaText leaves text already in the SEPA set as it is, apart from spaces", () => {
  const sepaChar = fc.constantFrom(
    ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+",
  );
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit: sepaChar, minLength: 1, maxLength: 10 }), { maxLength: 8 }),
      (words) => {
        const text = words.join(" ");
        assert.equal(toSepaText(text, NAME_MAX_LENGTH), text.slice(0, NAME_MAX_LENGTH).trimEnd());
      },
    ),
  );
});

Deno.test("isSepaId takes 1 to 35 SEPA characters without spaces, leading/trailing / or //", () => {
  assert.ok(isSepaId("a".repeat(35)));
  assert.ok(isSepaId("0123456789abcdef0123456789abcdef"));
  assert.ok(isSepaId("INV-2026/03.1+(x)"));
  assert.ok(!isSepaId(""));
  assert.ok(!isSepaId("a".repeat(36)));
  assert.ok(!isSepaId("a b"));
  assert.ok(!isSepaId("/abc"));
  assert.ok(!isSepaId("abc/"));
  assert.ok(!isSepaId("a//b"));
  assert.ok(!isSepaId("Müller"));
  assert.ok(!isSepaId("a&b"));
});
