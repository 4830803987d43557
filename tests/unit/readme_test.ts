import assert from "node:assert/strict";
import { CONFIG_KEYS } from "../../src/config.ts";

const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
const denoJson = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));

Deno.test("README's configuration table names every variable the config reads", () => {
  const missing = CONFIG_KEYS.filter((key) => !readme.includes(`\`${key}\``));
  assert.deepEqual(missing, []);
});

Deno.test("README's task table names every deno task", () => {
  const missing = Object.keys(denoJson.tasks).filter((task) =>
    !readme.includes(`deno task ${task}`)
  );
  assert.deepEqual(missing, []);
});
