import assert from "node:assert/strict";
import { parseIfMatch } from "../../src/http/if_match.ts";

Deno.test("an absent If-Match is null", () => {
  assert.equal(parseIfMatch(undefined), null);
});

Deno.test("If-Match: * matches any current representation", () => {
  assert.deepEqual(parseIfMatch("*"), { any: true });
  assert.deepEqual(parseIfMatch("  *  "), { any: true });
});

Deno.test("a single strong tag is kept with its quotes", () => {
  assert.deepEqual(parseIfMatch('"abc-1"'), { any: false, etags: ['"abc-1"'] });
});

Deno.test("a list of tags keeps every strong tag in order, whatever the spacing", () => {
  assert.deepEqual(parseIfMatch('"a-1", "b-2","c-3"'), {
    any: false,
    etags: ['"a-1"', '"b-2"', '"c-3"'],
  });
  assert.deepEqual(parseIfMatch(' "a-1" ,  "b-2" '), { any: false, etags: ['"a-1"', '"b-2"'] });
});

Deno.test("weak tags never match under the strong comparison", () => {
  assert.deepEqual(parseIfMatch('W/"a-1"'), { any: false, etags: [] });
  assert.deepEqual(parseIfMatch('W/"a-1", "b-2"'), { any: false, etags: ['"b-2"'] });
});

Deno.test("an empty tag is a valid tag", () => {
  assert.deepEqual(parseIfMatch('""'), { any: false, etags: ['""'] });
});

Deno.test("a malformed header matches nothing", () => {
  for (
    const header of [
      "abc-1",
      '"abc-1',
      'abc-1"',
      '"a-1" "b-2"',
      '"a-1", b-2',
      '"a"b"',
      'w/"a-1"',
      '*, "a-1"',
      '"a 1"',
      "",
    ]
  ) {
    assert.deepEqual(parseIfMatch(header), { any: false, etags: [] }, header);
  }
});
