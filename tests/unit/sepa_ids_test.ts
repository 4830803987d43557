import assert from "node:assert/strict";
import fc from "fast-check";
import {
  endToEndIdFor,
  fileIdFromMsgId,
  msgIdFor,
  payoutIdFromEndToEndId,
} from "../../src/connectors/sepa_file/sepa_ids.ts";
import { isSepaId } from "../../src/connectors/sepa_file/sepa_text.ts";

Deno.test("endToEndIdFor is the payout id without dashes, lower case", () => {
  assert.equal(
    endToEndIdFor("0196F2C4-7B1D-7C3A-9E0F-1A2B3C4D5E6F"),
    "0196f2c47b1d7c3a9e0f1a2b3c4d5e6f",
  );
});

Deno.test("payoutIdFromEndToEndId gives back the canonical payout id, in any case", () => {
  const id = "0196f2c4-7b1d-7c3a-9e0f-1a2b3c4d5e6f";
  assert.equal(payoutIdFromEndToEndId("0196f2c47b1d7c3a9e0f1a2b3c4d5e6f"), id);
  assert.equal(payoutIdFromEndToEndId("0196F2C47B1D7C3A9E0F1A2B3C4D5E6F"), id);
});

Deno.test("payout id → EndToEndId → payout id is the identity, and fits Max35Text", () => {
  fc.assert(
    fc.property(fc.uuid(), (uuid) => {
      const e2e = endToEndIdFor(uuid);
      assert.equal(e2e.length, 32);
      assert.ok(isSepaId(e2e));
      assert.equal(payoutIdFromEndToEndId(e2e), uuid.toLowerCase());
    }),
  );
});

Deno.test("file id → MsgId → file id is the identity", () => {
  fc.assert(
    fc.property(fc.uuid(), (uuid) => {
      const msgId = msgIdFor(uuid);
      assert.ok(isSepaId(msgId));
      assert.equal(fileIdFromMsgId(msgId), uuid.toLowerCase());
    }),
  );
});

Deno.test("references that are not ours map to no id", () => {
  for (const ref of ["NOTPROVIDED", "", "0196f2c47b1d7c3a9e0f1a2b3c4d5e6", "g".repeat(32)]) {
    assert.equal(payoutIdFromEndToEndId(ref), undefined, ref);
    assert.equal(fileIdFromMsgId(ref), undefined, ref);
  }
  assert.equal(payoutIdFromEndToEndId("0196f2c4-7b1d-7c3a-9e0f-1a2b3c4d5e6f"), undefined);
});

Deno.test("ids that are not UUIDs are refused", () => {
  assert.throws(() => endToEndIdFor("payout-1"), /payout id must be a UUID/);
  assert.throws(() => msgIdFor(""), /file id must be a UUID/);
});
