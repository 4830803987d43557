/**
 * The character set of SEPA files. The EPC rulebooks guarantee only the basic Latin set
 * (a-z A-Z 0-9 / - ? : ( ) . , ' + space) end to end; banks reject or garble anything else,
 * so recipient text is transliterated into it before it is written.
 */

/** Most characters `Cdtr/Nm` and `Dbtr/Nm` may hold (EPC: Max70Text). */
export const NAME_MAX_LENGTH = 70;
/** Most characters `RmtInf/Ustrd` may hold (Max140Text). */
export const REMITTANCE_MAX_LENGTH = 140;
/** Most characters of MsgId, PmtInfId, InstrId and EndToEndId (Max35Text). */
export const ID_MAX_LENGTH = 35;

const DISALLOWED = /[^A-Za-z0-9/\-?:().,'+ ]/g;
const SEPA_TEXT = /^[A-Za-z0-9/\-?:().,'+ ]*$/;
// Ids take the same set less the space: banks trim or split on spaces in references.
const SEPA_ID = /^[A-Za-z0-9/\-?:().,'+]+$/;

// Letters and signs that Unicode decomposition does not reduce to an allowed base character
// (NFKD already turns "ä" into "a" + a combining mark, "ﬁ" into "fi", "Ａ" into "A").
const REPLACEMENTS: Readonly<Record<string, string>> = Object.freeze({
  "ß": "ss",
  "ẞ": "SS",
  "Æ": "AE",
  "æ": "ae",
  "Œ": "OE",
  "œ": "oe",
  "Ø": "O",
  "ø": "o",
  "Ł": "L",
  "ł": "l",
  "Đ": "D",
  "đ": "d",
  "Ð": "D",
  "ð": "d",
  "Þ": "TH",
  "þ": "th",
  "Ħ": "H",
  "ħ": "h",
  "ı": "i",
  "&": "+",
  "€": "EUR",
  '"': "'",
  "`": "'",
  "´": "'",
  "‘": "'",
  "’": "'",
  "‚": "'",
  "“": "'",
  "”": "'",
  "„": "'",
  "«": "'",
  "»": "'",
  "_": "-",
  "–": "-",
  "—": "-",
  "‐": "-",
  ";": ",",
  "!": ".",
  "[": "(",
  "]": ")",
  "{": "(",
  "}": ")",
  "<": "(",
  ">": ")",
});

/**
 * Rewrites `text` into the SEPA character set and cuts it to `maxLength` characters:
 * accents are dropped ("Müller" → "Muller"), letters without a decomposition are spelled out
 * ("Straße" → "Strasse"), "&" becomes "+", other characters become spaces, runs of spaces
 * collapse and the ends are trimmed. The result may be "" (text in a non-Latin script), which
 * the caller must treat as missing.
 */
export function toSepaText(text: string, maxLength: number): string {
  let latin = "";
  for (const char of text.normalize("NFKD").replace(/\p{M}/gu, "")) {
    latin += REPLACEMENTS[char] ?? char;
  }
  return latin.replace(DISALLOWED, " ").replace(/ {2,}/g, " ").trim()
    .slice(0, maxLength).trimEnd();
}

/** Whether `text` uses only the SEPA character set. */
export function isSepaText(text: string): boolean {
  return SEPA_TEXT.test(text);
}

/**
 * Whether `id` may be used as a SEPA reference (MsgId, PmtInfId, EndToEndId): 1 to 35
 * characters of the SEPA set without spaces, not starting or ending with "/" and without "//"
 * (EPC rules for identifications). Ids are never transliterated: they must come back unchanged
 * in the bank's reports.
 */
export function isSepaId(id: string): boolean {
  return id.length <= ID_MAX_LENGTH && SEPA_ID.test(id) && !id.startsWith("/") &&
    !id.endsWith("/") && !id.includes("//");
}
