/**
 * The served OpenAPI document lints clean with Redocly CLI (`redocly.yaml`: the recommended
 * rules as errors, plus the ones a generated client needs), run offline from npm.
 */
import assert from "node:assert/strict";
import { withTestApp } from "../helpers/app.ts";
import { runDeno } from "../helpers/cli.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The pinned `npm:@redocly/cli@…` of deno.json's import map (locked in deno.lock). */
async function redoclySpecifier(): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const specifier = config.imports["@redocly/cli"];
  assert.match(specifier, /^npm:@redocly\/cli@\d+\.\d+\.\d+$/);
  return specifier;
}

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: {
    ruleId: string;
    severity: string;
    message: string;
    location: { pointer: string }[];
  }[];
}

/**
 * `redocly lint` of `document` with the committed config, with no network at all (so no
 * remote ruleset, telemetry or update check can be fetched): its exit code and report.
 */
async function lint(document: unknown): Promise<{ code: number; report: LintReport }> {
  const file = await Deno.makeTempFile({ prefix: "openapi-", suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify(document, null, 2));
    const { code, stdout, stderr } = await runDeno([
      "run",
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      "--deny-net",
      await redoclySpecifier(),
      "lint",
      "--config",
      `${ROOT}redocly.yaml`,
      "--format",
      "json",
      "--max-problems",
      "10000",
      file,
    ], { REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" });
    assert.ok(stdout.trim().startsWith("{"), `redocly printed a report: ${stdout}${stderr}`);
    return { code, report: JSON.parse(stdout) };
  } finally {
    await Deno.remove(file);
  }
}

const summary = (report: LintReport) =>
  report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`)
    .join("\n");

Deno.test("the served OpenAPI document lints clean with redocly (no error, no warning)", () =>
  withTestApp(async (t) => {
    const response = await t.request("/api/schema/");
    assert.equal(response.status, 200);
    const document = await response.json();
    const { code, report } = await lint(document);
    assert.equal(report.totals.errors + report.totals.warnings, 0, summary(report));
    assert.equal(report.totals.ignored, 0, "nothing is ignored");
    assert.equal(code, 0);
  }));

Deno.test("the lint fails on an operation without operationId or description, a response without its headers", () =>
  withTestApp(async (t) => {
    const document = await (await t.request("/api/schema/")).json();
    const broken = structuredClone(document);
    const operation = broken.paths["/payouts/{id}"].get;
    delete operation.operationId;
    delete operation.description;
    delete broken.components.responses.Unauthorized.headers["WWW-Authenticate"];
    delete broken.tags;
    const { code, report } = await lint(broken);
    assert.notEqual(code, 0);
    const rules = new Set(report.problems.map((problem) => problem.ruleId));
    for (
      const rule of [
        "operation-operationId",
        "operation-description",
        "response-contains-header",
        "operation-tag-defined",
      ]
    ) {
      assert.ok(rules.has(rule), `${rule} is reported:\n${summary(report)}`);
    }
  }));
