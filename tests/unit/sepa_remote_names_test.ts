import assert from "node:assert/strict";
import { assertPlainName } from "../../src/connectors/sepa_file/bank_drop.ts";
import { partName } from "../../src/connectors/sepa_file/file_upload.ts";

Deno.test("only plain file names reach the bank's server", () => {
  for (const name of ["PAIN001-2026.xml", "report 1.xml", ".hidden", "a..b"]) {
    assertPlainName(name);
  }
  for (const name of ["", ".", "..", "../x", "dir/x", "dir\\x", "x\0y", "x".repeat(256)]) {
    assert.throws(() => assertPlainName(name), { code: "invalid_remote_name" }, name);
  }
});

Deno.test("each attempt's temporary name is its own and ends in .part", () => {
  const token = "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
  assert.equal(partName("F.xml", token), "F.xml.0f8e7d6c5b4a439281706f5e4d3c2b1a.part");
  assert.notEqual(partName("F.xml", token), partName("F.xml", crypto.randomUUID()));
});
