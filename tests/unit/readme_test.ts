import assert from "node:assert/strict";
import { CONFIG_KEYS } from "../../src/config.ts";

const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
const denoJson = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));

const tableRows = readme.split("\n").filter((line) => line.startsWith("| "));

Deno.test("README's configuration table names every variable the config reads", () => {
  const missing = CONFIG_KEYS.filter((key) => !tableRows.some((row) => row.includes(`\`${key}\``)));
  assert.deepEqual(missing, []);
});

Deno.test("README's task table names every deno task", () => {
  const missing = Object.keys(denoJson.tasks).filter((task) =>
    !tableRows.some((row) => row.includes(`deno task ${task}`))
  );
  assert.deepEqual(missing, []);
});
