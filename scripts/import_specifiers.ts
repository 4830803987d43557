/**
 * The module specifiers a TypeScript or TSX source imports, read from its text.
 *
 * Parsed from tokens rather than with `deno info`, which leaves out type-only imports, and
 * rather than with one regex over the text, which would also match an import written inside
 * a comment or a string. Comments are skipped, strings and template literals are read as
 * whole tokens, and a `/` starts a regular expression where an operand is expected.
 *
 * @module
 */

/** One specifier a source file names in an import or re-export. */
export interface ImportRef {
  specifier: string;
  /**
   * True when the statement brings in types only (`import type`, `export type … from`, or
   * braces whose every member is `type X`). Informational: type imports still count.
   */
  typeOnly: boolean;
}

type Token =
  | { kind: "name"; value: string }
  | { kind: "string"; value: string }
  | { kind: "punct"; value: string };

// After these words an operand follows, so a `/` starts a regular expression.
const OPERAND_AFTER = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "instanceof",
  "yield",
  "await",
]);

const NAME_START = /[A-Za-z_$\u0080-\uffff]/;
const NAME_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

/**
 * Splits source text into names, string literals (template literals without `${}` count as
 * strings; with one they become a single `template` punctuator) and punctuators. Numbers are
 * read as names: nothing here needs to tell them apart.
 */
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  // One entry per open `{`: true when it is a template's `${`, so its `}` resumes the template.
  const braces: boolean[] = [];
  let i = 0;

  const regexAllowed = () => {
    const last = tokens.at(-1);
    if (last === undefined) return true;
    if (last.kind === "string") return false;
    if (last.kind === "name") return OPERAND_AFTER.has(last.value);
    // After `<` it is a TSX closing tag (`</p>`), not a regular expression.
    return ![")", "]", "}", "<", "template"].includes(last.value);
  };

  // Reads a quoted string from just after its quote. A newline ends it too: a quote in TSX
  // text (`<p>it's</p>`) then spoils one line, not the rest of the file.
  const readQuoted = (quote: string): string => {
    let value = "";
    while (i < source.length && source[i] !== quote && source[i] !== "\n") {
      if (source[i] === "\\") i++;
      value += source[i++] ?? "";
    }
    i++;
    return value;
  };

  // Reads template text from just after a backtick or a `}` that closes a `${`. Returns
  // whether the template goes on with a substitution.
  const readTemplate = (): { value: string; substitution: boolean } => {
    let value = "";
    while (i < source.length) {
      const c = source[i];
      if (c === "`") {
        i++;
        return { value, substitution: false };
      }
      if (c === "$" && source[i + 1] === "{") {
        i += 2;
        braces.push(true);
        return { value, substitution: true };
      }
      if (c === "\\") i++;
      value += source[i++] ?? "";
    }
    return { value, substitution: false };
  };

  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (c === "'" || c === '"') {
      i++;
      tokens.push({ kind: "string", value: readQuoted(c) });
    } else if (c === "`") {
      i++;
      const { value, substitution } = readTemplate();
      tokens.push(
        substitution ? { kind: "punct", value: "template" } : { kind: "string", value },
      );
    } else if (c === "/" && regexAllowed()) {
      i++;
      let inClass = false;
      while (i < source.length && source[i] !== "\n") {
        const r = source[i++];
        if (r === "\\") i++;
        else if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
      }
      while (i < source.length && NAME_PART.test(source[i])) i++;
      tokens.push({ kind: "punct", value: "regex" });
    } else if (NAME_START.test(c) || /[0-9]/.test(c)) {
      const start = i;
      while (i < source.length && NAME_PART.test(source[i])) i++;
      tokens.push({ kind: "name", value: source.slice(start, i) });
    } else if (c === "{") {
      i++;
      braces.push(false);
      tokens.push({ kind: "punct", value: "{" });
    } else if (c === "}") {
      i++;
      if (braces.pop()) {
        readTemplate();
      } else {
        tokens.push({ kind: "punct", value: "}" });
      }
    } else {
      i++;
      tokens.push({ kind: "punct", value: c });
    }
  }
  return tokens;
}

const isPunct = (token: Token | undefined, value: string) =>
  token?.kind === "punct" && token.value === value;
const isName = (token: Token | undefined, value?: string) =>
  token?.kind === "name" && (value === undefined || token.value === value);

/**
 * Reads an import or export clause starting at `start` (just after `import`/`export`) up to
 * `from "specifier"`. Returns undefined when the tokens are not such a clause (for example
 * `export const`, or `import x = require(…)`).
 */
function readClause(
  tokens: Token[],
  start: number,
  isExport: boolean,
): { ref: ImportRef; end: number } | undefined {
  let i = start;
  let typeOnly = false;
  // `type` is the modifier unless it is itself the default import (`import type from "x"`).
  if (isName(tokens[i], "type") && !isName(tokens[i + 1], "from") && !isPunct(tokens[i + 1], ",")) {
    typeOnly = true;
    i++;
  }
  let runtimeBinding = false;
  let typeMembers = 0;
  let members = 0;
  if (isExport && !isPunct(tokens[i], "*") && !isPunct(tokens[i], "{")) return undefined;
  while (i < tokens.length) {
    const token = tokens[i];
    if (isName(token, "from") && tokens[i + 1]?.kind === "string") {
      const onlyTypes = typeOnly || (!runtimeBinding && members > 0 && typeMembers === members);
      return { ref: { specifier: tokens[i + 1].value, typeOnly: onlyTypes }, end: i + 2 };
    }
    if (isPunct(token, "{")) {
      i++;
      // Members: `a`, `a as b`, `type a`, `type a as b`, `"str" as b`, separated by commas.
      while (i < tokens.length && !isPunct(tokens[i], "}")) {
        if (isPunct(tokens[i], ",")) {
          i++;
          continue;
        }
        if (tokens[i].kind === "punct") return undefined;
        members++;
        if (
          isName(tokens[i], "type") && (isName(tokens[i + 1]) || tokens[i + 1]?.kind === "string")
        ) {
          if (!isName(tokens[i + 1], "as") || isName(tokens[i + 2], "as")) typeMembers++;
        }
        while (i < tokens.length && !isPunct(tokens[i], ",") && !isPunct(tokens[i], "}")) {
          if (tokens[i].kind === "punct") return undefined;
          i++;
        }
      }
      i++;
    } else if (isPunct(token, "*")) {
      runtimeBinding = true;
      i++;
      if (isName(tokens[i], "as")) i += 2;
    } else if (isPunct(token, ",")) {
      i++;
    } else if (isName(token) && !isExport) {
      runtimeBinding = true; // a default import
      i++;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Every specifier `source` imports: static imports (`import x from`, `import type`,
 * `import { type X }`, `import "x"`), re-exports (`export … from`) and dynamic `import()` of
 * a string literal. `import.meta` and a property named `import` are not imports.
 */
export function importSpecifiers(source: string): ImportRef[] {
  const tokens = tokenize(source);
  const refs: ImportRef[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!isName(token, "import") && !isName(token, "export")) continue;
    if (isPunct(tokens[i - 1], ".")) continue;
    const next = tokens[i + 1];
    if (token.value === "import" && isPunct(next, "(")) {
      const arg = tokens[i + 2];
      if (arg?.kind === "string" && (isPunct(tokens[i + 3], ")") || isPunct(tokens[i + 3], ","))) {
        refs.push({ specifier: arg.value, typeOnly: isName(tokens[i - 1], "typeof") });
      }
      continue;
    }
    if (token.value === "import" && next?.kind === "string") {
      refs.push({ specifier: next.value, typeOnly: false });
      continue;
    }
    const clause = readClause(tokens, i + 1, token.value === "export");
    if (clause) {
      refs.push(clause.ref);
      i = clause.end - 1;
    }
  }
  return refs;
}
