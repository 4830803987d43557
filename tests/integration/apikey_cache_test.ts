import assert from "node:assert/strict";
import postgres from "postgres";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import { runScript } from "../helpers/cli.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { waitFor } from "../helpers/wait.ts";

Deno.test("a key revoked by another process stops working in a caching API at once", async () => {
  const db = await createTestDatabase();
  const api = new ApiKeyService(db.sql, { cacheMs: 600_000 });
  const stopListening = await api.listenForRevocations(db.sql);
  try {
    const { key } = await api.create("billing");
    assert.ok(await api.verify(key), "a fresh key works");
    // Revoked by another process: `deno task apikey revoke`.
    const revoked = await runScript("apikey.ts", ["revoke", "billing"], { DATABASE_URL: db.url });
    assert.equal(revoked.code, 0, revoked.stderr);
    await waitFor(async () => (await api.verify(key)) === undefined, {
      timeoutMs: 10_000,
      message: "the revocation to reach the caching process",
    });
  } finally {
    await stopListening();
    await db.drop();
  }
});

Deno.test("a caching API trusts a verified key without asking Postgres again", async () => {
  const db = await createTestDatabase();
  const api = new ApiKeyService(db.sql, { cacheMs: 600_000 });
  try {
    const { key } = await api.create("reports");
    assert.ok(await api.verify(key));
    // Revoked behind the service's back (no announcement): the cache still answers, which
    // is why revocations are announced.
    await db.sql`update api_keys set revoked_at = now() where name = 'reports'`;
    assert.ok(await api.verify(key), "answered from the cache");
    assert.equal(await new ApiKeyService(db.sql).verify(key), undefined, "not cached: refused");
  } finally {
    await db.drop();
  }
});

Deno.test("revoking through the caching service itself evicts the key immediately", async () => {
  const db = await createTestDatabase();
  const api = new ApiKeyService(db.sql, { cacheMs: 600_000 });
  try {
    const { key } = await api.create("ops");
    assert.ok(await api.verify(key));
    assert.ok(await api.revoke("ops"));
    assert.equal(await api.verify(key), undefined);
  } finally {
    await db.drop();
  }
});

Deno.test("last_used_at is written on a key's first use, then at most once a minute", async () => {
  const db = await createTestDatabase();
  // One connection: statements run in order, so a read sees any touch issued before it.
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  const api = new ApiKeyService(sql); // no cache: every verify reaches the touch logic
  const lastUsed = async () => {
    const [row] = await sql<{ at: string | null }[]>`
      select last_used_at::text as at from api_keys where name = 'billing'
    `;
    return row.at;
  };
  try {
    const { key } = await api.create("billing");
    assert.equal(await lastUsed(), null);
    assert.ok(await api.verify(key));
    const first = await lastUsed();
    assert.ok(first, "the first use is recorded");
    for (let i = 0; i < 5; i++) assert.ok(await api.verify(key));
    assert.equal(await lastUsed(), first, "uses within the minute write nothing");
  } finally {
    await sql.end();
    await db.drop();
  }
});

Deno.test("a caching API drops its cache when its revocation listener reconnects", async () => {
  const db = await createTestDatabase();
  const api = new ApiKeyService(db.sql, { cacheMs: 600_000 });
  const stopListening = await api.listenForRevocations(db.sql);
  try {
    const { key } = await api.create("billing");
    assert.ok(await api.verify(key));
    // Revoked with no announcement, as if the NOTIFY were lost: the cache still trusts it.
    await db.sql`update api_keys set revoked_at = now() where name = 'billing'`;
    assert.ok(await api.verify(key), "the cached key is trusted until something evicts it");
    // The listening session dies; announcements may have been missed while it reconnects.
    const killed = await db.sql`
      select pg_terminate_backend(pid) from pg_stat_activity
      where datname = current_database() and query ilike 'listen%'
    `;
    assert.equal(killed.length, 1, "one listening session");
    await waitFor(async () => (await api.verify(key)) === undefined, {
      timeoutMs: 10_000,
      message: "the cache to be dropped once the listener is back",
    });
  } finally {
    await stopListening();
    await db.drop();
  }
});
