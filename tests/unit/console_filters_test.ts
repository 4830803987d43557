/** The console's pure parts: the payout list's filter form, notices and the chart's axis. */
import assert from "node:assert/strict";
import { ValidationError } from "../../src/errors.ts";
import { filterFormOf, filterQuery, parseFilter } from "../../src/console/payout_filters.ts";
import { noticeText } from "../../src/console/notices.ts";
import { niceCeiling } from "../../src/console/views/throughput_chart.tsx";

Deno.test("a filter form with whole UTC days covers both days entirely", () => {
  const filter = parseFilter(
    filterFormOf({ status: "pending", currency: "eur", from: "2025-03-01", to: "2025-03-02" }),
    undefined,
  );
  assert.equal(filter.status, "pending");
  assert.equal(filter.currency, "EUR");
  assert.equal(filter.createdFrom?.toISOString(), "2025-03-01T00:00:00.000Z");
  assert.equal(filter.createdBefore?.toISOString(), "2025-03-03T00:00:00.000Z");
});

Deno.test("empty fields mean no filter", () => {
  assert.deepEqual(parseFilter(filterFormOf({}), undefined), {
    status: null,
    currency: null,
    createdFrom: null,
    createdBefore: null,
    cursor: null,
  });
});

Deno.test("a bad status, currency, impossible date or reversed range names each field", () => {
  const attempt = () =>
    parseFilter(
      filterFormOf({ status: "lost", currency: "XYZ", from: "2025-02-30", to: "2025-13-01" }),
      undefined,
    );
  assert.throws(attempt, (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.errors.map((e) => e.path), ["status", "currency", "from", "to"]);
    return true;
  });
  assert.throws(
    () => parseFilter(filterFormOf({ from: "2025-03-02", to: "2025-03-01" }), undefined),
    ValidationError,
  );
});

Deno.test("the filter query keeps only the fields that are set", () => {
  const form = filterFormOf({ status: "failed", currency: "", from: "", to: "" });
  assert.equal(filterQuery(form, { cursor: "abc" }), "?status=failed&cursor=abc");
  assert.equal(filterQuery(filterFormOf({})), "");
});

Deno.test("notices come from a fixed table; unknown codes and odd counts show nothing odd", () => {
  assert.equal(noticeText({ notice: "requeued", n: "1", skipped: "0" }), "Requeued 1 dead letter.");
  assert.match(noticeText({ notice: "requeued", n: "2", skipped: "1" })!, /1 left in place/);
  assert.equal(noticeText({ notice: "<script>" }), undefined);
  assert.equal(noticeText({ notice: "requeued", n: "-5" }), "Requeued 0 dead letters.");
});

Deno.test("the chart's axis ends at a round number at or above the highest count", () => {
  assert.deepEqual([0, 1, 2, 3, 7, 10, 11, 240].map(niceCeiling), [1, 1, 2, 5, 10, 10, 20, 500]);
});
