/**
 * The documentation against the code: docs/configuration.md's table names every variable the
 * config reads (README links to it), and its defaults and README's are the config's; README's
 * task table names every deno task, and every relative link in README.md and docs/*.md reaches
 * an existing file and, for an anchor, an existing heading. The link checker is also fed
 * broken copies to prove it notices.
 */
import assert from "node:assert/strict";
import { formatAllowed } from "../../scripts/check_imports.ts";
import { ALLOWED } from "../../scripts/import_rules.ts";
import { CONFIG_KEYS, parseConfig } from "../../src/config.ts";

const ROOT = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, ROOT));

const readme = read("README.md");
const configuration = read("docs/configuration.md");
const denoJson = JSON.parse(read("deno.json"));

/** The documentation files whose links are checked, relative to the repository root. */
const DOC_FILES = [
  "README.md",
  ...[...Deno.readDirSync(new URL("docs/", ROOT))]
    .filter((entry) => entry.isFile && entry.name.endsWith(".md"))
    .map((entry) => `docs/${entry.name}`)
    .sort(),
];

const tableRows = (text: string) => text.split("\n").filter((line) => line.startsWith("| "));

// --- Markdown ---------------------------------------------------------------------------

/** The lines outside fenced code blocks, where links and headings mean something. */
function proseLines(text: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of text.split("\n")) {
    const marker = line.match(/^\s*(`{3,}|~{3,})/)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) lines.push(line);
  }
  return lines;
}

/** Link targets: inline `[text](target)` and reference definitions `[id]: target`. */
function linkTargets(text: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(text)) {
    const definition = line.match(/^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/);
    if (definition) {
      targets.push(definition[1]);
      continue;
    }
    const prose = line.replace(/(`+)[^`]*?\1/g, "");
    for (const [, target] of prose.matchAll(/\]\(\s*<?([^\s)>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      targets.push(target);
    }
  }
  return targets;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images: their text
    .replace(/[`*]/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors a Markdown file's headings get, duplicates numbered as GitHub does. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of proseLines(text)) {
    const heading = line.match(/^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Problems with the relative links of the Markdown file at `path` (relative to the root). */
function linkProblems(
  path: string,
  text: string,
  readTarget: (path: string) => string | undefined,
): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) continue; // absolute
    const [file, fragment] = target.split("#", 2);
    const url = new URL(file, new URL(path, ROOT));
    const resolved = decodeURIComponent(url.pathname.slice(ROOT.pathname.length));
    const content = file === "" ? text : readTarget(resolved);
    if (content === undefined) {
      problems.push(`${path}: ${target} points to ${resolved}, which does not exist`);
    } else if (fragment !== undefined && resolved.endsWith(".md")) {
      if (!anchors(content).has(decodeURIComponent(fragment).toLowerCase())) {
        problems.push(`${path}: ${target} names no heading of ${file === "" ? path : resolved}`);
      }
    }
  }
  return problems;
}

/** A file's text, "" for a directory, undefined when nothing is there. */
function readFromDisk(path: string): string | undefined {
  try {
    const url = new URL(path, ROOT);
    return Deno.statSync(url).isDirectory ? "" : Deno.readTextFileSync(url);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

// --- Tests ------------------------------------------------------------------------------

Deno.test("docs/configuration.md's table names every variable the config reads", () => {
  const rows = tableRows(configuration);
  const missing = CONFIG_KEYS.filter((key) => !rows.some((row) => row.includes(`\`${key}\``)));
  assert.deepEqual(missing, []);
});

Deno.test("the defaults in README's and docs/configuration.md's tables are the config's", () => {
  const defaults: Record<string, unknown> = parseConfig({});
  const shown = (value: unknown) =>
    value instanceof Map
      ? [...value].join(",")
      : Array.isArray(value)
      ? value.join(",")
      : String(value);
  let checked = 0;
  for (const [file, text] of [["README.md", readme], ["docs/configuration.md", configuration]]) {
    for (const row of tableRows(text)) {
      const cells = row.split("|").slice(1, -1).map((cell) => cell.trim());
      const key = cells[0].match(/^`([A-Z][A-Z0-9_]*)`$/)?.[1];
      if (!key || !(key in defaults)) continue;
      const cell = cells.at(-1)!;
      const value = defaults[key];
      if (cell === "empty") {
        assert.equal(shown(value), "", `${file}: ${key} is documented as empty`);
      } else {
        const literal = cell.match(/^`([^`]*)`/)?.[1];
        // A placeholder such as `<host>-<pid>-<random>` describes a value made at start.
        if (literal === undefined || literal.includes("<")) continue;
        assert.equal(literal, shown(value), `${file}: the default of ${key}`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 30, `only ${checked} documented defaults were compared`);
});

Deno.test("README links to docs/configuration.md", () => {
  assert.ok(
    linkTargets(readme).some((target) => target.split("#")[0] === "docs/configuration.md"),
    "README has no link to docs/configuration.md",
  );
});

Deno.test("README's task table names every deno task", () => {
  const rows = tableRows(readme);
  const missing = Object.keys(denoJson.tasks).filter((task) =>
    !rows.some((row) => row.includes(`deno task ${task}`))
  );
  assert.deepEqual(missing, []);
});

Deno.test("every relative link in README.md and docs/*.md reaches a file and a heading", async (t) => {
  assert.ok(DOC_FILES.includes("docs/configuration.md"), JSON.stringify(DOC_FILES));
  const problems = DOC_FILES.flatMap((path) => linkProblems(path, read(path), readFromDisk));
  assert.deepEqual(problems, []);

  const check = (path: string, text: string) => linkProblems(path, text, readFromDisk);
  await t.step("a link to a missing file is reported", () => {
    assert.deepEqual(check("README.md", "See [the docs](docs/nowhere.md)."), [
      "README.md: docs/nowhere.md points to docs/nowhere.md, which does not exist",
    ]);
  });
  await t.step("a link up out of docs/ resolves against docs/", () => {
    assert.deepEqual(check("docs/x.md", "[a](README.md) [b](../README.md)"), [
      "docs/x.md: README.md points to docs/README.md, which does not exist",
    ]);
  });
  await t.step("an anchor naming no heading of its target is reported", () => {
    assert.deepEqual(check("docs/x.md", "[a](../README.md#no-such-heading)"), [
      "docs/x.md: ../README.md#no-such-heading names no heading of README.md",
    ]);
  });
  await t.step("an anchor within the same file is checked against its own headings", () => {
    const text = "# Title\n\n## How `it` works, again?\n\n[a](#how-it-works-again) [b](#title-2)\n";
    assert.deepEqual(check("docs/x.md", text), [
      "docs/x.md: #title-2 names no heading of docs/x.md",
    ]);
  });
  await t.step("links in code, absolute URLs and mail addresses are not checked", () => {
    const text = "`[a](gone.md)`\n\n```\n[b](gone.md)\n```\n\n[c](https://x.test/gone.md) " +
      "[d](mailto:a@x.test) <http://localhost:8000/api/docs/>\n";
    assert.deepEqual(check("README.md", text), []);
  });
});

Deno.test("heading anchors follow GitHub's slugs", () => {
  assert.equal(
    slug("What was run and what was only checked"),
    "what-was-run-and-what-was-only-checked",
  );
  assert.equal(
    slug("What was changed, and where the time still goes"),
    "what-was-changed-and-where-the-time-still-goes",
  );
  assert.equal(slug("`deno task bench` – results"), "deno-task-bench--results");
  assert.deepEqual(
    [...anchors("# Logs\n## Logs\n```\n# not a heading\n```\n### Logs ##\n")],
    ["logs", "logs-1", "logs-2"],
  );
});

Deno.test("README's Layout shows what each part of src/ may import, as the import rules say", () => {
  assert.ok(ALLOWED, "scripts/import_rules.ts holds a table");
  const layout = readme.split("<!-- section: layout -->")[1].split("<!-- /section -->")[0];
  assert.ok(
    layout.includes("```\n" + formatAllowed(ALLOWED) + "\n```"),
    "README's Layout lists the import rules (deno run --allow-read scripts/check_imports.ts --allowed)",
  );
});
