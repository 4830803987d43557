/**
 * scripts/check_imports.ts: the specifiers it reads from source text, the part graph it
 * builds, the loops and disallowed imports it reports, on small synthetic trees; then the
 * real src/.
 */
import assert from "node:assert/strict";
import {
  buildPartGraph,
  findLoops,
  findViolations,
  formatLayout,
  formatLoop,
  formatRules,
  formatViolation,
  type PartGraph,
  partOf,
  readPartGraph,
  type SourceFile,
} from "../../scripts/check_imports.ts";
import { importSpecifiers } from "../../scripts/import_specifiers.ts";
import { ALLOWED } from "../../scripts/import_rules.ts";

const ROOT = new URL("../../", import.meta.url);

/** A tree from `path: source` pairs. */
const tree = (files: Record<string, string>): SourceFile[] =>
  Object.entries(files).map(([path, source]) => ({ path, source }));

/** Part → the parts it imports, for comparing a graph with a literal. */
const partsOfGraph = (graph: PartGraph) =>
  Object.fromEntries([...graph].map(([part, targets]) => [part, [...targets.keys()]]));

Deno.test("importSpecifiers reads every import and re-export form, type-only ones marked", () => {
  const source = `
    import a from "./a.ts";
    import {
      b1,
      b2 as bee, // a comment inside the braces
    } from "./b.ts";
    import type { C } from "./c.ts";
    import { type D, type E as Eh } from "./d.ts";
    import { type F, f } from "./f.ts";
    import * as g from "./g.ts";
    import type * as h from "./h.ts";
    import i, { type I } from "./i.ts";
    import "./side_effect.ts";
    export * from "./j.ts";
    export * as k from "./k.ts";
    export { l1, l2 as el } from "./l.ts";
    export type { M } from "./m.ts";
    const n = await import("./n.ts");
    type O = typeof import("./o.ts");
    import json from "./p.json" with { type: "json" };
    import q from './q.ts'
    import type from "./r.ts";
  `;
  assert.deepEqual(importSpecifiers(source), [
    { specifier: "./a.ts", typeOnly: false },
    { specifier: "./b.ts", typeOnly: false },
    { specifier: "./c.ts", typeOnly: true },
    { specifier: "./d.ts", typeOnly: true },
    { specifier: "./f.ts", typeOnly: false },
    { specifier: "./g.ts", typeOnly: false },
    { specifier: "./h.ts", typeOnly: true },
    { specifier: "./i.ts", typeOnly: false },
    { specifier: "./side_effect.ts", typeOnly: false },
    { specifier: "./j.ts", typeOnly: false },
    { specifier: "./k.ts", typeOnly: false },
    { specifier: "./l.ts", typeOnly: false },
    { specifier: "./m.ts", typeOnly: true },
    { specifier: "./n.ts", typeOnly: false },
    { specifier: "./o.ts", typeOnly: true },
    { specifier: "./p.json", typeOnly: false },
    { specifier: "./q.ts", typeOnly: false },
    { specifier: "./r.ts", typeOnly: false },
  ]);
});

Deno.test("importSpecifiers ignores imports written in comments, strings and templates", () => {
  const source = `
    // import { x } from "./line_comment.ts";
    /* import "./block_comment.ts"; */
    /**
     * import { y } from "./jsdoc.ts";
     */
    const text = 'import z from "./single_quoted.ts"';
    const code = \`
      import w from "./template.ts";
      \${"\`"} import v from "./after_substitution.ts";
    \`;
    const glob = "src/**/*.ts"; import u from "./after_glob.ts";
    const quote = /["'\`]/g; import t from "./after_regex.ts";
    const meta = import.meta.url;
    const dynamic = await import(meta);
    const property = { import: 1 }.import;
    export const EXPORTED = "an export from nowhere";
    export { text, code };
  `;
  assert.deepEqual(importSpecifiers(source), [
    { specifier: "./after_glob.ts", typeOnly: false },
    { specifier: "./after_regex.ts", typeOnly: false },
  ]);
});

Deno.test("importSpecifiers reads TSX: an apostrophe or a closing tag in markup hides nothing", () => {
  const source = `
    import { Layout } from "./layout.tsx";
    export const Page = () => (
      <Layout>
        <p>It's done, isn't it?</p>
        <a href="/payouts">payouts</a>
      </Layout>
    );
    const Lazy = () => import("./lazy.tsx");
  `;
  assert.deepEqual(importSpecifiers(source).map((ref) => ref.specifier), [
    "./layout.tsx",
    "./lazy.tsx",
  ]);
});

Deno.test("partOf: a folder under src/ or a file directly in it; nothing outside src/", () => {
  assert.equal(partOf("src/payouts/payouts.service.ts"), "payouts");
  assert.equal(partOf("src/console/views/layout.tsx"), "console");
  assert.equal(partOf("src/config.ts"), "config.ts");
  assert.equal(partOf("scripts/seed.ts"), undefined);
  assert.equal(partOf("main.ts"), undefined);
});

Deno.test("a loop between parts is found, with one file import for each step", () => {
  const graph = buildPartGraph(tree({
    "src/payouts/payouts.service.ts": `import { fanOut } from "../webhooks/fanout.ts";`,
    "src/webhooks/fanout.ts": `import { present } from "../payouts/presenter.ts";`,
    "src/payouts/presenter.ts": `export const present = 1;`,
  }));
  const loops = findLoops(graph);
  assert.deepEqual(loops.map((loop) => loop.parts), [["payouts", "webhooks"]]);
  assert.equal(
    formatLoop(loops[0]),
    "import loop: payouts → webhooks → payouts (src/payouts/payouts.service.ts → " +
      "src/webhooks/fanout.ts; src/webhooks/fanout.ts → src/payouts/presenter.ts)",
  );
});

Deno.test("every loop through a tangle of parts is listed, shortest first", () => {
  const graph = buildPartGraph(tree({
    "src/a/a.ts": `import "../b/b.ts"; import "../c/c.ts";`,
    "src/b/b.ts": `import "../a/a.ts"; import "../c/c.ts";`,
    "src/c/c.ts": `import "../a/a.ts";`,
  }));
  assert.deepEqual(findLoops(graph).map((loop) => loop.parts), [
    ["a", "b"],
    ["a", "c"],
    ["a", "b", "c"],
  ]);
  assert.equal(findLoops(graph, 2).length, 2);
});

Deno.test("a tree whose parts import in one direction has no loop", () => {
  const graph = buildPartGraph(tree({
    "src/app.ts": `import { routes } from "./payouts/payouts.routes.ts";`,
    "src/payouts/payouts.routes.ts": `
      import { service } from "./payouts.service.ts";
      import { problem } from "../http/problem.ts";
    `,
    "src/payouts/payouts.service.ts": `import { sql } from "../db/types.ts";`,
    "src/http/problem.ts": `import { AppError } from "../errors.ts";`,
    "src/db/types.ts": `export type Sql = unknown;`,
    "src/errors.ts": `export class AppError extends Error {}`,
  }));
  assert.deepEqual(findLoops(graph), []);
  assert.deepEqual(partsOfGraph(graph), {
    "app.ts": ["payouts"],
    db: [],
    "errors.ts": [],
    http: ["errors.ts"],
    payouts: ["db", "http"],
  });
});

Deno.test("type-only imports and re-exports close a loop too, marked (type)", () => {
  const graph = buildPartGraph(tree({
    "src/queue/publisher.ts": `import type { Config } from "../config.ts";`,
    "src/config.ts": `export { STREAM } from "./queue/stream_names.ts";`,
    "src/worker/runtime.ts": `import { type Job } from "../queue/jobs.ts";`,
    // Imported once for a type and once at run time: a runtime import.
    "src/app.ts": `
      import type { Config } from "./config.ts";
      import { parseConfig } from "./config.ts";
    `,
    "src/queue/jobs.ts": `export type { Backoff } from "../worker/backoff.ts";`,
  }));
  assert.deepEqual(findLoops(graph).map(formatLoop), [
    "import loop: config.ts → queue → config.ts (src/config.ts → src/queue/stream_names.ts; " +
    "src/queue/publisher.ts → src/config.ts (type))",
    "import loop: queue → worker → queue (src/queue/jobs.ts → src/worker/backoff.ts (type); " +
    "src/worker/runtime.ts → src/queue/jobs.ts (type))",
  ]);
  assert.deepEqual(graph.get("app.ts")!.get("config.ts"), [
    { from: "src/app.ts", to: "src/config.ts", typeOnly: false },
  ]);
});

Deno.test("deno.json's import map is followed into src/; packages and other folders are not parts", () => {
  const graph = buildPartGraph(
    tree({
      "src/payouts/a.ts": `import { b } from "@src/webhooks/b.ts"; import { Hono } from "hono";`,
      "src/webhooks/b.ts":
        `import { a } from "#payouts"; import { seed } from "../../scripts/seed.ts";`,
    }),
    { "@src/": "./src/", "#payouts": "./src/payouts/a.ts", hono: "npm:hono@4" },
  );
  assert.deepEqual(partsOfGraph(graph), { payouts: ["webhooks"], webhooks: ["payouts"] });
  assert.equal(findLoops(graph).length, 1);
});

Deno.test("the rules table reports each import it does not allow, and --rules allows today's", () => {
  const graph = buildPartGraph(tree({
    "src/payouts/service.ts": `import "../db/types.ts"; import "../webhooks/fanout.ts";`,
    "src/webhooks/fanout.ts": `import "../db/types.ts";`,
    "src/ids.ts": `import "./log.ts";`,
  }));
  const rules = { payouts: ["db"], webhooks: ["db"], db: [] };
  const violations = findViolations(graph, rules);
  assert.deepEqual(violations.map((v) => formatViolation(v, rules)), [
    "import not allowed: ids.ts → log.ts (src/ids.ts → src/log.ts); " +
    "scripts/import_rules.ts gives ids.ts no row",
    "import not allowed: payouts → webhooks (src/payouts/service.ts → src/webhooks/fanout.ts); " +
    "scripts/import_rules.ts gives payouts [db]",
  ]);
  const table = formatRules(graph).split("export const ALLOWED: ImportRules | null = ")[1];
  assert.equal(
    table,
    [
      "{",
      '  "db": [],',
      '  "ids.ts": [',
      '    "log.ts",',
      "  ],",
      '  "log.ts": [],',
      '  "payouts": [',
      '    "db",',
      '    "webhooks",',
      "  ],",
      '  "webhooks": [',
      '    "db",',
      "  ],",
      "};",
      "",
    ].join("\n"),
  );
});

Deno.test("--layout gives one line a part: what it imports", () => {
  const graph = buildPartGraph(tree({
    "src/http/auth.ts": `import "../apikeys/keys.ts"; import "../errors.ts";`,
    "src/apikeys/keys.ts": `import "../db/types.ts";`,
  }));
  assert.equal(
    formatLayout(graph),
    [
      "src/apikeys/   db",
      "src/db/        —",
      "src/errors.ts  —",
      "src/http/      apikeys, errors.ts",
    ].join("\n"),
  );
});

Deno.test("src/ has no import loop between its parts", async () => {
  const loops = findLoops(await readPartGraph(ROOT));
  assert.deepEqual(loops.map(formatLoop), []);
});

Deno.test({
  name: "src/ imports only what scripts/import_rules.ts allows",
  // Off while the table is null (loops only).
  ignore: ALLOWED === null,
  fn: async () => {
    const graph = await readPartGraph(ROOT);
    assert.deepEqual(findViolations(graph, ALLOWED!).map((v) => formatViolation(v, ALLOWED!)), []);
  },
});
