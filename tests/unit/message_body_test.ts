import assert from "node:assert/strict";
import { renderEventData } from "../../src/payouts/payout_snapshot.ts";
import { messageBody } from "../../src/webhooks/message_body.ts";

/** A snapshot as the fan-out's jsonb_build_object stores it (microsecond timestamps). */
const snapshot = {
  id: "0b6f8c1e-6a0e-4f53-9a55-6a2f3f7f4a11",
  amount: "125.50",
  currency: "USD",
  recipient_details: { account: "DE89370400440532013000" },
  description: "rent",
  status: "processing",
  failure_reason: null,
  version: 2,
  attempts: 1,
  created_at: "2026-12-03T13:15:12.921834+00:00",
  updated_at: "2026-12-03T15:15:13.5+02:00",
};

Deno.test("a payout message's body is type, timestamp and the payout as the API shows it", () => {
  const body = messageBody({
    eventType: "payout.processing",
    occurredAt: new Date("2026-12-03T13:15:13.500Z"),
    data: snapshot,
  }, renderEventData);
  const parsed = JSON.parse(body);
  assert.deepEqual(Object.keys(parsed), ["type", "timestamp", "data"]);
  assert.equal(parsed.type, "payout.processing");
  assert.equal(parsed.timestamp, "2026-12-03T13:15:13.500Z");
  assert.equal(parsed.data.amount, "125.50");
  assert.equal(parsed.data.created_at, "2026-12-03T13:15:12.921Z", "milliseconds, as GET");
  assert.equal(parsed.data.updated_at, "2026-12-03T13:15:13.500Z", "in UTC, as GET");
  assert.equal(parsed.data.status, "processing");
  assert.ok(
    !("version" in parsed.data) && !("attempts" in parsed.data),
    "internal fields left out",
  );
});

Deno.test("the body is the same bytes every time it is built from the same row", () => {
  const message = { eventType: "payout.created", occurredAt: new Date(0), data: snapshot };
  assert.equal(
    messageBody(message, renderEventData),
    messageBody(structuredClone(message), renderEventData),
  );
});

Deno.test("a webhook.test message carries its data as stored", () => {
  const body = messageBody({
    eventType: "webhook.test",
    occurredAt: new Date("2026-01-01T00:00:00.000Z"),
    data: { endpoint_id: "e1", note: "hello" },
  }, renderEventData);
  assert.equal(
    body,
    '{"type":"webhook.test","timestamp":"2026-01-01T00:00:00.000Z","data":{"endpoint_id":"e1","note":"hello"}}',
  );
});
