/**
 * What the API process loads at start. The docs page serves Swagger UI's files from disk;
 * importing `swagger-ui-dist`'s main module would also evaluate its whole browser bundle in
 * the API's heap (about 35 MB of RSS, a quarter of the memory budget) for nothing.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

/** CommonJS modules loaded after importing `module`, read in a fresh process. */
async function commonJsLoadedBy(module: string): Promise<string[]> {
  const script = `
    import Module from "node:module";
    await import(${JSON.stringify(module)});
    console.log(JSON.stringify(Object.keys(Module._cache)));
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

Deno.test("the API app serves Swagger UI's files without loading its bundle", async () => {
  const loaded = await commonJsLoadedBy("./src/app.ts");
  const swagger = loaded.filter((path) => path.includes("swagger-ui-dist"));
  assert.ok(swagger.length > 0, "the docs module should still locate swagger-ui-dist");
  assert.deepEqual(swagger.filter((path) => !path.endsWith("absolute-path.js")), []);
});
