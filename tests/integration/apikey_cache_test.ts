import assert from "node:assert/strict";
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
