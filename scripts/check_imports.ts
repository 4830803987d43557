/**
 * Fails when the parts of `src/` import each other in a loop.
 *
 *     deno run --allow-read scripts/check_imports.ts            # check (part of `deno task check`)
 *     deno run --allow-read scripts/check_imports.ts --layout   # one line a part: what it imports
 *     deno run --allow-read scripts/check_imports.ts --allowed  # one line a part: what it may import
 *     deno run --allow-read scripts/check_imports.ts --rules > scripts/import_rules.ts
 *
 * A part is a folder directly under `src/` (`payouts`, `http`, …) or a file directly under it
 * (`config.ts`, `log.ts`, …). Every import counts, type-only ones and re-exports included
 * (see `import_specifiers.ts`), and so do specifiers that deno.json's import map sends into
 * `src/`. When `scripts/import_rules.ts` holds a table rather than null, each part may also
 * import only the parts its row names; `--rules` prints today's imports as such a table.
 *
 * A failed check prints one line a loop (or disallowed import) on stderr and exits 1.
 *
 * @module
 */
import { importSpecifiers } from "./import_specifiers.ts";

/** A source file of the tree, its path relative to the repository root (`src/app.ts`). */
export interface SourceFile {
  path: string;
  source: string;
}

/** One import between files of two different parts. */
export interface FileEdge {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Part → the parts it imports → the file imports behind each, sorted. Every part is a key. */
export type PartGraph = Map<string, Map<string, FileEdge[]>>;

/** A loop of parts (`[a, b]` is a → b → a), with one example import for each step. */
export interface Loop {
  parts: string[];
  examples: FileEdge[];
}

/** Part → the parts it may import. A part without a row may import none. */
export type ImportRules = Readonly<Record<string, readonly string[]>>;

/** An import of one part by another that the rules table does not allow. */
export interface Violation {
  from: string;
  to: string;
  example: FileEdge;
}

const SOURCE_EXTENSIONS = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

/** The part a repository path belongs to, or undefined outside `src/`. */
export function partOf(path: string): string | undefined {
  if (!path.startsWith("src/")) return undefined;
  return path.slice("src/".length).split("/")[0];
}

/** `dir` joined with a relative path, `.` and `..` resolved; undefined if it leaves the root. */
function joinPath(dir: string, relative: string): string | undefined {
  const segments = dir === "" ? [] : dir.split("/");
  for (const segment of relative.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (segments.length === 0) return undefined;
      segments.pop();
    } else {
      segments.push(segment);
    }
  }
  return segments.join("/");
}

const isRelative = (specifier: string) => specifier.startsWith("./") || specifier.startsWith("../");

/**
 * The repository path a specifier names, or undefined for one outside the tree (`hono`,
 * `npm:…`, `node:…`, URLs). `importMap` is deno.json's `imports`; its relative targets are
 * taken from the repository root.
 */
export function resolveSpecifier(
  fromPath: string,
  specifier: string,
  importMap: Record<string, string> = {},
): string | undefined {
  if (isRelative(specifier)) {
    return joinPath(fromPath.split("/").slice(0, -1).join("/"), specifier);
  }
  let mapped: string | undefined = importMap[specifier];
  if (mapped === undefined) {
    const prefix = Object.keys(importMap)
      .filter((key) => key.endsWith("/") && specifier.startsWith(key))
      .sort((a, b) => b.length - a.length)[0];
    if (prefix !== undefined) mapped = importMap[prefix] + specifier.slice(prefix.length);
  }
  return mapped !== undefined && isRelative(mapped) ? joinPath("", mapped) : undefined;
}

const byEdge = (a: FileEdge, b: FileEdge) =>
  a.from === b.from ? (a.to < b.to ? -1 : a.to > b.to ? 1 : 0) : a.from < b.from ? -1 : 1;

/** The part graph of `files`: which part imports which, and through which files. */
export function buildPartGraph(
  files: SourceFile[],
  importMap: Record<string, string> = {},
): PartGraph {
  const graph: PartGraph = new Map();
  const partsOf = (part: string) => {
    let targets = graph.get(part);
    if (!targets) graph.set(part, targets = new Map());
    return targets;
  };
  for (const file of files) {
    const fromPart = partOf(file.path);
    if (fromPart === undefined) continue;
    const targets = partsOf(fromPart);
    for (const { specifier, typeOnly } of importSpecifiers(file.source)) {
      const to = resolveSpecifier(file.path, specifier, importMap);
      const toPart = to === undefined ? undefined : partOf(to);
      if (to === undefined || toPart === undefined || toPart === fromPart) continue;
      partsOf(toPart);
      const edges = targets.get(toPart) ?? [];
      // A file that imports another twice, once for a type, still imports it at run time.
      const seen = edges.find((edge) => edge.from === file.path && edge.to === to);
      if (seen) seen.typeOnly &&= typeOnly;
      else edges.push({ from: file.path, to, typeOnly });
      targets.set(toPart, edges);
    }
  }
  const sorted: PartGraph = new Map();
  for (const part of [...graph.keys()].sort()) {
    const targets = graph.get(part)!;
    sorted.set(
      part,
      new Map(
        [...targets.keys()].sort().map((to) => [to, targets.get(to)!.sort(byEdge)]),
      ),
    );
  }
  return sorted;
}

/** The parts that reach each other (strongly connected components of two or more), sorted. */
function tangles(graph: PartGraph): string[][] {
  // Tarjan's algorithm; the graph has a few dozen nodes, so recursion depth is no concern.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (part: string) => {
    index.set(part, index.size);
    low.set(part, index.get(part)!);
    stack.push(part);
    onStack.add(part);
    for (const to of graph.get(part)?.keys() ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(part, Math.min(low.get(part)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(part, Math.min(low.get(part)!, index.get(to)!));
      }
    }
    if (low.get(part) === index.get(part)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== part);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const part of graph.keys()) if (!index.has(part)) visit(part);
  return found.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** The example import for a step: a runtime one where there is one, else the first. */
function exampleOf(graph: PartGraph, from: string, to: string): FileEdge {
  const edges = graph.get(from)!.get(to)!;
  return edges.find((edge) => !edge.typeOnly) ?? edges[0];
}

/**
 * Every simple loop of parts, shortest first, each starting at its smallest part. Stops
 * after `limit` loops: a tangle of many parts has very many, and the first ones show where
 * it is.
 */
export function findLoops(graph: PartGraph, limit = 50): Loop[] {
  const loops: string[][] = [];
  for (const component of tangles(graph)) {
    const members = new Set(component);
    // Each loop once: from its smallest part, through larger parts only.
    for (const start of component) {
      const path = [start];
      const walk = (part: string) => {
        for (const to of graph.get(part)!.keys()) {
          if (loops.length >= limit) return;
          if (!members.has(to)) continue;
          if (to === start) loops.push([...path]);
          else if (to > start && !path.includes(to)) {
            path.push(to);
            walk(to);
            path.pop();
          }
        }
      };
      walk(start);
    }
  }
  return loops
    .sort((a, b) => a.length - b.length || a.join(" ").localeCompare(b.join(" ")))
    .map((parts) => ({
      parts,
      examples: parts.map((part, i) => exampleOf(graph, part, parts[(i + 1) % parts.length])),
    }));
}

/** The imports between parts that `rules` does not allow (a part without a row may import none). */
export function findViolations(graph: PartGraph, rules: ImportRules): Violation[] {
  const violations: Violation[] = [];
  for (const [from, targets] of graph) {
    const allowed = rules[from] ?? [];
    for (const to of targets.keys()) {
      if (!allowed.includes(to)) violations.push({ from, to, example: exampleOf(graph, from, to) });
    }
  }
  return violations;
}

const describeEdge = (edge: FileEdge) =>
  `${edge.from} → ${edge.to}${edge.typeOnly ? " (type)" : ""}`;

/** One line for a loop: `import loop: a → b → a (src/a/x.ts → src/b/y.ts; …)`. */
export function formatLoop(loop: Loop): string {
  const parts = [...loop.parts, loop.parts[0]].join(" → ");
  return `import loop: ${parts} (${loop.examples.map(describeEdge).join("; ")})`;
}

/** One line for an import the rules do not allow. */
export function formatViolation(violation: Violation, rules: ImportRules): string {
  const allowed = rules[violation.from];
  const row = allowed === undefined ? "no row" : `[${allowed.join(", ")}]`;
  return `import not allowed: ${violation.from} → ${violation.to} (${
    describeEdge(violation.example)
  }); scripts/import_rules.ts gives ${violation.from} ${row}`;
}

const displayName = (
  part: string,
) => (SOURCE_EXTENSIONS.test(part) ? `src/${part}` : `src/${part}/`);

/** One line a part, `src/http/   db, errors.ts, log.ts`, for README's Layout. */
export function formatLayout(graph: PartGraph): string {
  const width = Math.max(...[...graph.keys()].map((part) => displayName(part).length)) + 2;
  return [...graph]
    .map(([part, targets]) =>
      `${displayName(part).padEnd(width)}${targets.size ? [...targets.keys()].join(", ") : "—"}`
    )
    .join("\n");
}

/**
 * One line a part of `rules`: what it may import (README's Layout shows this, and a test
 * keeps the two equal).
 */
export function formatAllowed(rules: ImportRules): string {
  const parts = Object.keys(rules).sort();
  const width = Math.max(...parts.map((part) => displayName(part).length)) + 2;
  return parts
    .map((part) => {
      const targets = rules[part];
      return `${displayName(part).padEnd(width)}${targets.length ? targets.join(", ") : "—"}`;
    })
    .join("\n");
}

/** `scripts/import_rules.ts` allowing exactly what `graph` imports today. */
export function formatRules(graph: PartGraph): string {
  // One import a line, as \`deno fmt\` keeps it: tightening the table is deleting lines.
  const rows = [...graph].map(([part, targets]) => {
    const key = `  ${JSON.stringify(part)}: [`;
    if (targets.size === 0) return `${key}],`;
    return [key, ...[...targets.keys()].map((to) => `    ${JSON.stringify(to)},`), "  ],"].join(
      "\n",
    );
  });
  return [
    RULES_HEADER,
    "export const ALLOWED: ImportRules | null = {",
    ...rows,
    "};",
    "",
  ].join("\n");
}

// Kept here so that `--rules` rewrites the whole file.
const RULES_HEADER = `/**
 * Which parts of src/ each part may import (see scripts/check_imports.ts). \`null\` checks
 * for loops only. To start from what the tree imports today:
 *
 *     deno run --allow-read scripts/check_imports.ts --rules > scripts/import_rules.ts
 *
 * then delete what no part should import.
 *
 * @module
 */

import type { ImportRules } from "./check_imports.ts";
`;

/** The source files under `src/` of the repository at `root`, sorted by path. */
export async function readSourceTree(root: URL): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(new URL(dir, root))) {
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory) await walk(`${path}/`);
      else if (entry.isFile && SOURCE_EXTENSIONS.test(entry.name)) {
        files.push({ path, source: await Deno.readTextFile(new URL(path, root)) });
      }
    }
  };
  await walk("src/");
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** deno.json's `imports` at `root`. */
export async function readImportMap(root: URL): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  return config.imports ?? {};
}

/** The part graph of the repository at `root`. */
export async function readPartGraph(root: URL): Promise<PartGraph> {
  return buildPartGraph(await readSourceTree(root), await readImportMap(root));
}

const LOOP_LIMIT = 50;

async function main(args: string[]): Promise<number> {
  const graph = await readPartGraph(new URL("../", import.meta.url));
  if (args[0] === "--layout") {
    console.log(formatLayout(graph));
    return 0;
  }
  if (args[0] === "--allowed") {
    const { ALLOWED } = await import("./import_rules.ts");
    if (ALLOWED === null) {
      console.error("check_imports: scripts/import_rules.ts holds no table");
      return 1;
    }
    console.log(formatAllowed(ALLOWED));
    return 0;
  }
  if (args[0] === "--rules") {
    console.log(formatRules(graph).trimEnd());
    return 0;
  }
  if (args.length > 0) {
    console.error("usage: check_imports.ts [--layout | --allowed | --rules]");
    return 2;
  }
  const loops = findLoops(graph, LOOP_LIMIT);
  const problems = loops.map(formatLoop);
  if (loops.length === LOOP_LIMIT) problems.push(`(stopped after ${LOOP_LIMIT} loops)`);
  // Loaded only here, so that \`--rules > scripts/import_rules.ts\` can run while the shell
  // has emptied that file.
  const { ALLOWED } = await import("./import_rules.ts");
  if (ALLOWED !== null) {
    problems.push(...findViolations(graph, ALLOWED).map((v) => formatViolation(v, ALLOWED!)));
  }
  for (const line of problems) console.error(line);
  if (problems.length > 0) return 1;
  const imports = [...graph.values()].reduce((sum, targets) => sum + targets.size, 0);
  console.log(`check_imports: ${graph.size} parts, ${imports} imports between them, no loop`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
