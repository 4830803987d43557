import assert from "node:assert/strict";
import {
  CLIENT_SCHEMA_PATH,
  clientSchemaSource,
  servedDocument,
} from "../../scripts/generate_client.ts";

const COMMITTED = new URL(`../../${CLIENT_SCHEMA_PATH}`, import.meta.url);

Deno.test("the committed TypeScript client is the one the served OpenAPI document generates", async () => {
  const expected = await clientSchemaSource();
  const committed = await Deno.readTextFile(COMMITTED);
  assert.ok(
    committed === expected,
    `${CLIENT_SCHEMA_PATH} is stale: from line ${firstDifference(committed, expected)} on it ` +
      "differs from what the served OpenAPI document generates. Run `deno task client` and " +
      "commit the result.",
  );
});

Deno.test("a change of the OpenAPI document changes the generated client", async () => {
  const document = await servedDocument();
  assert.ok(isRecord(document) && isRecord(document.paths), "a document with paths");
  const changed = { ...document, paths: { ...document.paths, "/probe": { get: PROBE } } };
  const source = await clientSchemaSource(changed);
  assert.notEqual(source, await Deno.readTextFile(COMMITTED));
  assert.match(source, /"\/probe": \{/);
});

const PROBE = { operationId: "probe", responses: { "204": { description: "Nothing." } } };

/** The number of the first line where the texts differ. */
function firstDifference(a: string, b: string): number {
  const [left, right] = [a.split("\n"), b.split("\n")];
  const index = left.findIndex((line, i) => line !== right[i]);
  return (index === -1 ? left.length : index) + 1;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
