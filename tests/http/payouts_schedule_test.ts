import assert from "node:assert/strict";
import { createTestApp } from "../helpers/app.ts";
import { assertFieldError, createPayout, patchPayout, postPayout } from "./payout_fixtures.ts";
import { payoutBody } from "./payout_fixtures.ts";

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

Deno.test("scheduled_for is accepted on POST, returned by every answer and null when unset", async () => {
  const t = await createTestApp();
  try {
    const at = "2027-06-01T09:30:00+02:00";
    const { payout } = await createPayout(t, { scheduled_for: at });
    assert.equal(payout.status, "pending");
    assert.equal(payout.scheduled_for, "2027-06-01T07:30:00.000Z", "normalised to UTC");
    const read = await (await t.request(`/api/payouts/${payout.id}/`, { headers: t.headers }))
      .json();
    assert.equal(read.scheduled_for, payout.scheduled_for);
    const plain = (await createPayout(t)).payout;
    assert.equal(plain.scheduled_for, null);
    // Nothing was queued for the scheduled one: only the plain payout's job is in the stream.
    const entries = await t.redis.xrange(t.names.stream, "-", "+");
    assert.deepEqual(entries.map(([, fields]) => fields[1]), [plain.id]);
  } finally {
    await t.close();
  }
});

Deno.test("scheduled_for must be RFC 3339, in the future and at most a year ahead", async (t) => {
  const app = await createTestApp();
  try {
    const bad = [
      "tomorrow",
      "2027-06-01",
      "2027-06-01T09:30:00", // no offset
      "2027-13-01T00:00:00Z",
      new Date(Date.now() - 60_000).toISOString(),
      new Date(Date.now() + 366 * 86_400_000).toISOString(),
      1735689600,
      null,
    ];
    for (const value of bad) {
      await t.step(JSON.stringify(value), async () => {
        await assertFieldError(
          await postPayout(app, payoutBody({ scheduled_for: value })),
          "scheduled_for",
        );
      });
    }
    assert.equal((await app.db.sql`select count(*)::int as n from payouts`)[0].n, 0);
  } finally {
    await app.close();
  }
});

Deno.test("PATCH moves or removes a schedule; removing it queues the job at once", async () => {
  const t = await createTestApp();
  try {
    const { payout } = await createPayout(t, { scheduled_for: inAnHour() });
    const later = new Date(Date.now() + 7_200_000).toISOString();
    const moved = await (await patchPayout(t, payout.id, { scheduled_for: later })).json();
    assert.equal(moved.scheduled_for, later);
    assert.deepEqual(await t.redis.xrange(t.names.stream, "-", "+"), []);
    const cleared = await (await patchPayout(t, payout.id, { scheduled_for: null })).json();
    assert.equal(cleared.scheduled_for, null);
    const entries = await t.redis.xrange(t.names.stream, "-", "+");
    assert.deepEqual(entries.map(([, fields]) => fields[1]), [payout.id]);
    await assertFieldError(
      await patchPayout(t, payout.id, { scheduled_for: "2020-01-01T00:00:00Z" }),
      "scheduled_for",
    );
    const events = await (await t.request(`/api/payouts/${payout.id}/events/`, {
      headers: t.headers,
    })).json();
    assert.deepEqual(events.results.at(-1).detail.changes.scheduled_for, {
      from: later,
      to: null,
    });
  } finally {
    await t.close();
  }
});

Deno.test("GET /api/payouts/ filters by scheduled=true|false and refuses other values", async () => {
  const t = await createTestApp();
  try {
    const scheduled = (await createPayout(t, { scheduled_for: inAnHour() })).payout.id;
    const plain = (await createPayout(t)).payout.id;
    const ids = async (query: string) =>
      (await (await t.request(`/api/payouts/?${query}`, { headers: t.headers })).json())
        .results.map((p: { id: string }) => p.id);
    assert.deepEqual(await ids("scheduled=true"), [scheduled]);
    assert.deepEqual(await ids("scheduled=false"), [plain]);
    assert.deepEqual(await ids("scheduled=true&status=pending"), [scheduled]);
    await assertFieldError(
      await t.request("/api/payouts/?scheduled=yes", { headers: t.headers }),
      "scheduled",
    );
  } finally {
    await t.close();
  }
});
