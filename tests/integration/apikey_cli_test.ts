import assert from "node:assert/strict";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import { type CliResult, runScript } from "../helpers/cli.ts";
import { withTestDatabase } from "../helpers/database.ts";
import { waitFor } from "../helpers/wait.ts";

/** Runs `scripts/apikey.ts` with the permissions `deno task apikey` grants. */
function apikey(args: string[], env: Record<string, string>): Promise<CliResult> {
  return runScript("apikey.ts", args, env);
}

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}

function uniqueName(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}`;
}

Deno.test("apikey create prints a working key alone on the last line of stdout", async () => {
  await withTestDatabase(async (db) => {
    const name = uniqueName("billing");
    const result = await apikey(["create", name], { DATABASE_URL: db.url });
    assert.equal(result.code, 0, result.stderr);
    const key = lines(result.stdout).at(-1) ?? "";
    assert.match(key, /^pk_[A-Za-z0-9_-]{43}$/);
    const record = await new ApiKeyService(db.sql).verify(key);
    assert.equal(record?.name, name);
  });
});

Deno.test("apikey create refuses a taken or invalid name with one line and exit 1", async () => {
  await withTestDatabase(async (db) => {
    const env = { DATABASE_URL: db.url };
    const name = uniqueName("dup");
    assert.equal((await apikey(["create", name], env)).code, 0);
    for (const args of [["create", name], ["create", "no spaces please"], ["create", "-x"]]) {
      const result = await apikey(args, env);
      assert.equal(result.code, 1, args.join(" "));
      assert.equal(result.stdout, "", args.join(" "));
      assert.equal(lines(result.stderr).length, 1, result.stderr);
      assert.match(result.stderr, /^apikey: /);
    }
    const [{ n }] = await db.sql`select count(*)::int as n from api_keys`;
    assert.equal(n, 1);
  });
});

Deno.test("apikey list shows name, scopes, created, last used and revoked, never a key or hash", async () => {
  await withTestDatabase(async (db) => {
    const env = { DATABASE_URL: db.url };
    const [used, revoked] = [uniqueName("used"), uniqueName("gone")];
    const usedKey = lines((await apikey(["create", used], env)).stdout).at(-1) ?? "";
    const revokedKey = lines((await apikey(["create", revoked], env)).stdout).at(-1) ?? "";
    assert.ok(await new ApiKeyService(db.sql).verify(usedKey));
    await waitFor(
      async () => (await db.sql`select 1 from api_keys where last_used_at is not null`).length,
      { timeoutMs: 5000, message: "last_used_at to be set" },
    );
    assert.equal((await apikey(["revoke", revoked], env)).code, 0);

    const result = await apikey(["list"], env);
    assert.equal(result.code, 0, result.stderr);
    const [header, ...rows] = lines(result.stdout);
    assert.match(header, /^NAME\s+SCOPES\s+CREATED\s+LAST USED\s+REVOKED$/);
    const stamp = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";
    const scopes =
      "payouts:read,payouts:write,webhooks:read,webhooks:write,console,recipients:read,recipients:write";
    const usedRow = rows.find((row) => row.startsWith(`${used} `)) ?? "";
    assert.match(usedRow, new RegExp(`^${used}\\s+${scopes}\\s+${stamp}\\s+${stamp}\\s+-$`));
    const revokedRow = rows.find((row) => row.startsWith(`${revoked} `)) ?? "";
    assert.match(
      revokedRow,
      new RegExp(`^${revoked}\\s+${scopes}\\s+${stamp}\\s+-\\s+${stamp}$`),
    );

    const hashes = await db.sql`select key_hash from api_keys`;
    const shown = result.stdout + result.stderr;
    for (const secret of [usedKey, revokedKey, ...hashes.map((row) => row.key_hash)]) {
      assert.ok(!shown.includes(secret.slice(3, 20)), "list shows a key or its hash");
    }
  });
});

Deno.test("apikey create --scopes gives the key exactly those scopes", async () => {
  await withTestDatabase(async (db) => {
    const env = { DATABASE_URL: db.url };
    const approver = uniqueName("approver");
    const created = await apikey(
      ["create", approver, "--scopes", "payouts:read,payouts:approve"],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const key = lines(created.stdout).at(-1) ?? "";
    const record = await new ApiKeyService(db.sql).verify(key);
    assert.deepEqual(record?.scopes, ["payouts:read", "payouts:approve"]);
    const inline = await apikey(["create", uniqueName("inline"), "--scopes=console"], env);
    assert.equal(inline.code, 0, inline.stderr);
    const listed = await apikey(["list"], env);
    const row = lines(listed.stdout).find((line) => line.startsWith(`${approver} `)) ?? "";
    assert.match(row, /^\S+\s+payouts:read,payouts:approve\s/);
  });
});

Deno.test("apikey create refuses unknown or empty scopes with one line and exit 2", async () => {
  const env = { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/payouts_test_unused" };
  const cases = [
    ["create", "a", "--scopes", "payouts:delete"],
    ["create", "a", "--scopes", ""],
    ["create", "a", "--scopes"],
  ];
  for (const args of cases) {
    const result = await apikey(args, env);
    assert.equal(result.code, 2, args.join(" "));
    assert.equal(result.stdout, "");
    assert.equal(lines(result.stderr).length, 1, result.stderr);
  }
  const unknown = await apikey(cases[0], env);
  assert.match(unknown.stderr, /unknown scope payouts:delete/);
});

Deno.test("apikey revoke disables the key at once; an unknown name exits 1", async () => {
  await withTestDatabase(async (db) => {
    const env = { DATABASE_URL: db.url };
    const name = uniqueName("rotate");
    const key = lines((await apikey(["create", name], env)).stdout).at(-1) ?? "";
    const service = new ApiKeyService(db.sql);
    assert.ok(await service.verify(key));

    const revoked = await apikey(["revoke", name], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(await service.verify(key), undefined);

    for (const unknown of [name, uniqueName("never")]) {
      const result = await apikey(["revoke", unknown], env);
      assert.equal(result.code, 1);
      assert.equal(lines(result.stderr).length, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`no active key named ${unknown}`));
    }
  });
});

Deno.test("apikey usage errors print one line and exit 2", async () => {
  // A database that does not exist: usage is judged before anything connects.
  const env = { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/payouts_test_unused" };
  const cases = [[], ["frobnicate"], ["create"], ["create", "a", "b"], ["revoke"], ["list", "x"]];
  const results = await Promise.all(cases.map((args) => apikey(args, env)));
  results.forEach((result, i) => {
    assert.equal(result.code, 2, cases[i].join(" "));
    assert.equal(result.stdout, "");
    assert.equal(lines(result.stderr).length, 1, result.stderr);
  });
});

Deno.test("apikey with bad configuration prints one line naming the variable, exit 1", async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ DATABASE_URL: "mysql://root@localhost/db" }, /^apikey: invalid DATABASE_URL: /],
    [{ LOG_LEVEL: "loud" }, /^apikey: invalid LOG_LEVEL=/],
  ];
  for (const [env, expected] of cases) {
    const result = await apikey(["list"], env);
    assert.equal(result.code, 1);
    assert.equal(lines(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, expected);
    // URLs may carry passwords: the value is never echoed.
    assert.ok(!result.stderr.includes("root@"));
  }
});

Deno.test("apikey on an unmigrated database says to run deno task migrate", async () => {
  await withTestDatabase(async (db) => {
    for (const args of [["list"], ["create", uniqueName("early")], ["revoke", "x"]]) {
      const result = await apikey(args, { DATABASE_URL: db.url });
      assert.equal(result.code, 1);
      assert.equal(lines(result.stderr).length, 1, result.stderr);
      assert.match(result.stderr, /deno task migrate/);
    }
  }, { migrate: false });
});
