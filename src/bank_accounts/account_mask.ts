/**
 * How the API shows an account number it must not disclose: four dots, a space and the last
 * four characters (`•••• 3000`), enough to recognise an account and not enough to pay it.
 * Shorter accounts show less, so at least half of every account stays hidden.
 */

/** The dots that stand for the hidden characters. */
export const MASK = "••••";
/** Accounts shorter than this show no character at all. */
const MIN_LENGTH_SHOWN = 8;
const SHOWN = 4;

/** `DE89370400440532013000` → `•••• 3000`; `ACC-1` → `••••`. Counts code points. */
export function maskAccount(account: string): string {
  const characters = [...account];
  if (characters.length < MIN_LENGTH_SHOWN) return MASK;
  return `${MASK} ${characters.slice(-SHOWN).join("")}`;
}
