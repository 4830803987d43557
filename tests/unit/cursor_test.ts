import assert from "node:assert/strict";
import { decodeCursor, encodeCursor } from "../../src/payouts/cursor.ts";

const position = { createdMicros: "1735689600123456", id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" };

const b64url = (text: string) =>
  btoa(text).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

Deno.test("a cursor decodes to the position it was made from", () => {
  assert.deepEqual(decodeCursor(encodeCursor(position)), position);
  const early = { createdMicros: "-1000", id: "00000000-0000-0000-0000-000000000000" };
  assert.deepEqual(decodeCursor(encodeCursor(early)), early);
});

Deno.test("a cursor is opaque and URL-safe", () => {
  const cursor = encodeCursor(position);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  assert.ok(!cursor.includes(position.id));
  assert.equal(encodeURIComponent(cursor), cursor);
});

Deno.test("decodeCursor rejects garbage", () => {
  for (const garbage of ["", "abc", "!!!!", "a b", "x".repeat(5), "%00", "null", "v1"]) {
    assert.equal(decodeCursor(garbage), undefined, garbage);
  }
});

Deno.test("decodeCursor rejects tampered cursors", () => {
  const tampered = [
    b64url(`v2.${position.createdMicros}.${position.id}`),
    b64url(`v1.${position.createdMicros}.${position.id}.extra`),
    b64url(`v1.12ab.${position.id}`),
    b64url(`v1.1.5.${position.id}`),
    b64url(`v1.123456789012345678.${position.id}`),
    b64url(`v1.${position.createdMicros}.not-a-uuid`),
    b64url(`v1.${position.createdMicros}.${position.id.toUpperCase()}`),
    b64url(`v1.${position.createdMicros}.${position.id}'; drop table payouts; --`),
    b64url(`v1..${position.id}`),
    b64url(`v1.${position.createdMicros}`),
  ];
  for (const cursor of tampered) {
    assert.equal(
      decodeCursor(cursor),
      undefined,
      atob(cursor.replaceAll("-", "+").replaceAll("_", "/")),
    );
  }
});

Deno.test("decodeCursor rejects oversized cursors without decoding them", () => {
  const padded = encodeCursor(position) + "A".repeat(200);
  assert.equal(decodeCursor(padded), undefined);
  assert.equal(decodeCursor("A".repeat(100_000)), undefined);
});

Deno.test("decodeCursor rejects standard base64 padding and alphabet", () => {
  const standard = btoa(`v1.${position.createdMicros}.${position.id}`);
  assert.ok(standard.endsWith("=") || /[+/]/.test(standard));
  assert.equal(decodeCursor(standard), undefined);
});
