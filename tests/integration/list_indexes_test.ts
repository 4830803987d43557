import assert from "node:assert/strict";
import { insertPayouts, type NewPayout } from "../../src/payouts/payouts.repository.ts";
import { withTestDatabase } from "../helpers/database.ts";

/**
 * The newest-first list indexes, and how much larger than a fresh build each may grow. The
 * currencies below alternate, so the currency index takes new entries at two places, one
 * of them inside the index, where Postgres splits a leaf in half.
 */
const LIST_INDEXES: Record<string, number> = {
  payouts_created: 1.25,
  payouts_status_created: 1.25,
  payouts_currency_created: 1.5,
};
const NAMES = Object.keys(LIST_INDEXES);

function newPayout(i: number): NewPayout {
  return {
    id: crypto.randomUUID(),
    draft: {
      amountMinor: 1000n + BigInt(i),
      currency: i % 2 === 0 ? "USD" : "EUR",
      recipientDetails: { account: "DE89370400440532013000" },
      description: "",
      scheduledFor: null,
      requiresApproval: false,
    },
    status: "pending",
    actor: { name: "api:test", apiKeyId: null },
  };
}

Deno.test("the list indexes stay as dense as a fresh build while payouts are created", async () => {
  await withTestDatabase(async (db) => {
    // Creates arrive in batches, as the API sends them, each later than the last.
    for (let batch = 0; batch < 200; batch++) {
      await insertPayouts(db.sql, Array.from({ length: 64 }, (_, i) => newPayout(i)));
    }
    const sizes = async () => {
      const rows = await db.sql<{ name: string; bytes: number }[]>`
        select indexrelname as name, pg_relation_size(indexrelid)::int as bytes
        from pg_stat_user_indexes where indexrelname in ${db.sql(NAMES)}
      `;
      return new Map(rows.map((row) => [row.name, row.bytes]));
    };
    const grown = await sizes();
    // A fresh build fills each leaf to the default fill factor: the density to hold.
    await db.sql`reindex table payouts`;
    const rebuilt = await sizes();
    assert.equal(grown.size, NAMES.length);
    for (const name of NAMES) {
      const ratio = grown.get(name)! / rebuilt.get(name)!;
      // A descending index on a growing key splits its leftmost leaf in half every time:
      // 1.74-1.76 times the fresh build's size here, for each of the three.
      assert.ok(
        ratio <= LIST_INDEXES[name],
        `${name}: ${grown.get(name)} bytes grown, ${rebuilt.get(name)} rebuilt`,
      );
    }
  });
});
