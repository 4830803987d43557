import assert from "node:assert/strict";
import { CONFIG_KEYS, ConfigError, parseConfig } from "../../src/config.ts";
import { runEntrypoint } from "../helpers/cli.ts";

function configError(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(env)} to be rejected`);
}

Deno.test("an empty environment yields the documented defaults", () => {
  const config = parseConfig({});
  assert.equal(config.DATABASE_URL, "postgres://postgres@127.0.0.1:5432/payouts");
  assert.equal(config.REDIS_URL, "redis://127.0.0.1:6379/0");
  assert.equal(config.PORT, 8000);
  assert.equal(config.PROVIDER_FAILURE_RATE, 0);
  assert.equal(config.RATE_LIMIT_RPS, 0);
  assert.equal(config.RATE_LIMIT_BURST, 0);
  assert.equal(config.METRICS_TOKEN, "");
  assert.equal(config.LOG_LEVEL, "info");
  assert.ok(config.WORKER_CONCURRENCY >= 1);
  assert.ok(config.PROVIDER_LATENCY_MS > 0 && config.PROVIDER_LATENCY_MS < 100);
});

Deno.test("set values are parsed and typed", () => {
  const config = parseConfig({
    PORT: "9001",
    DATABASE_URL: "postgresql://u:p@db:5432/x",
    LOG_LEVEL: "debug",
    PROVIDER_FAILURE_RATE: "0.25",
    WORKER_CONCURRENCY: "4",
  });
  assert.equal(config.PORT, 9001);
  assert.equal(config.DATABASE_URL, "postgresql://u:p@db:5432/x");
  assert.equal(config.LOG_LEVEL, "debug");
  assert.equal(config.PROVIDER_FAILURE_RATE, 0.25);
  assert.equal(config.WORKER_CONCURRENCY, 4);
});

Deno.test("an empty string counts as unset and falls back to the default", () => {
  const config = parseConfig({ PORT: "", LOG_LEVEL: "", DATABASE_URL: "", WORKER_CONCURRENCY: "" });
  assert.equal(config.PORT, 8000);
  assert.equal(config.LOG_LEVEL, "info");
  assert.equal(config.DATABASE_URL, "postgres://postgres@127.0.0.1:5432/payouts");
  assert.equal(config.WORKER_CONCURRENCY, parseConfig({}).WORKER_CONCURRENCY);
});

Deno.test("each bad value throws a ConfigError naming its variable", async (t) => {
  const cases: [string, string][] = [
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["DATABASE_URL", "mysql://x"],
    ["LOG_LEVEL", "loud"],
    ["PROVIDER_FAILURE_RATE", "2"],
    ["WORKER_CONCURRENCY", "0"],
  ];
  for (const [name, value] of cases) {
    await t.step(`${name}=${value}`, () => {
      const error = configError({ [name]: value });
      assert.match(error.message, new RegExp(`\\b${name}\\b`));
      // Only the variable at fault is named.
      const others = CONFIG_KEYS.filter((key) => key !== name && error.message.includes(key));
      assert.deepEqual(others, []);
    });
  }
});

Deno.test("URL values are never echoed in the error, since they may carry credentials", () => {
  for (
    const [name, value] of [
      ["DATABASE_URL", "mysql://admin:s3cret-pw@db.internal/x"],
      ["REDIS_URL", "http://user:s3cret-pw@cache.internal:6379"],
      ["DATABASE_URL", "not a url s3cret-pw"],
    ]
  ) {
    const error = configError({ [name]: value });
    assert.match(error.message, new RegExp(name));
    assert.ok(!error.message.includes("s3cret-pw"), error.message);
    assert.ok(!error.message.includes("internal"), error.message);
  }
});

Deno.test("the entrypoints exit 1 with one stderr line naming a bad variable", async (t) => {
  await t.step("main.ts with PORT=abc", async () => {
    const { code, lines } = await runEntrypoint("main.ts", { PORT: "abc" });
    assert.equal(code, 1);
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /\bPORT\b/);
  });
  await t.step("worker.ts with WORKER_CONCURRENCY=0", async () => {
    const { code, lines } = await runEntrypoint("worker.ts", { WORKER_CONCURRENCY: "0" });
    assert.equal(code, 1);
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /\bWORKER_CONCURRENCY\b/);
  });
});

Deno.test("a retry backoff as long as the claim idle time is refused", () => {
  assert.throws(
    () => parseConfig({ RETRY_MAX_MS: "15000", CLAIM_IDLE_MS: "15000" }),
    (error: Error) =>
      error instanceof ConfigError &&
      /^invalid RETRY_MAX_MS="15000": .*CLAIM_IDLE_MS/.test(error.message),
  );
  assert.equal(parseConfig({ RETRY_MAX_MS: "14999", CLAIM_IDLE_MS: "15000" }).RETRY_MAX_MS, 14999);
});

Deno.test("REDIS_SENTINELS makes every client go through Sentinel, REDIS_URL otherwise", () => {
  assert.equal(parseConfig({}).redis, "redis://127.0.0.1:6379/0");
  assert.equal(parseConfig({ REDIS_URL: "redis://cache:6380/2" }).redis, "redis://cache:6380/2");
  assert.deepEqual(
    parseConfig({
      REDIS_SENTINELS: "10.0.0.1:26379, sentinel-b:26380,[::1]:26381",
      REDIS_SENTINEL_MASTER: "payouts",
      REDIS_SENTINEL_DB: "3",
      REDIS_PASSWORD: "data-pw",
      REDIS_SENTINEL_PASSWORD: "sentinel-pw",
    }).redis,
    {
      sentinels: [
        { host: "10.0.0.1", port: 26379 },
        { host: "sentinel-b", port: 26380 },
        { host: "::1", port: 26381 },
      ],
      master: "payouts",
      db: 3,
      password: "data-pw",
      sentinelPassword: "sentinel-pw",
    },
  );
  // Empty REDIS_URL counts as unset, as the test helpers pass it.
  const target = parseConfig({ REDIS_URL: "", REDIS_SENTINELS: "s:1", REDIS_SENTINEL_MASTER: "m" });
  assert.deepEqual(target.redis, {
    sentinels: [{ host: "s", port: 1 }],
    master: "m",
    db: 0,
    password: "",
    sentinelPassword: "",
  });
});

Deno.test("bad or half-done Sentinel settings are one clear error each", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      { REDIS_SENTINELS: "s1", REDIS_SENTINEL_MASTER: "m" },
      /^invalid REDIS_SENTINELS="s1": .*host:port/,
    ],
    [{ REDIS_SENTINELS: "s1:0", REDIS_SENTINEL_MASTER: "m" }, /^invalid REDIS_SENTINELS=/],
    [{ REDIS_SENTINELS: "s1:26379,", REDIS_SENTINEL_MASTER: "m" }, /^invalid REDIS_SENTINELS=/],
    [{ REDIS_SENTINELS: "a b:1", REDIS_SENTINEL_MASTER: "m" }, /^invalid REDIS_SENTINELS=/],
    [
      { REDIS_SENTINELS: "s1:26379" },
      /^invalid REDIS_SENTINEL_MASTER: is required with REDIS_SENTINELS$/,
    ],
    [
      { REDIS_SENTINELS: "s1:26379", REDIS_SENTINEL_MASTER: "my master" },
      /^invalid REDIS_SENTINEL_MASTER=/,
    ],
    [
      { REDIS_SENTINELS: "s1:26379", REDIS_SENTINEL_MASTER: "m", REDIS_URL: "redis://x:6379/0" },
      /^invalid REDIS_URL: set REDIS_URL or REDIS_SENTINELS, not both$/,
    ],
    [{ REDIS_SENTINEL_MASTER: "m" }, /^invalid REDIS_SENTINEL_MASTER: REDIS_SENTINELS is not set$/],
    [{ REDIS_SENTINEL_DB: "2" }, /^invalid REDIS_SENTINEL_DB: REDIS_SENTINELS is not set$/],
    [{ REDIS_PASSWORD: "pw" }, /^invalid REDIS_PASSWORD: REDIS_SENTINELS is not set$/],
    [
      { REDIS_SENTINELS: "s1:26379", REDIS_SENTINEL_MASTER: "m", REDIS_SENTINEL_DB: "x" },
      /^invalid REDIS_SENTINEL_DB="x": /,
    ],
  ];
  for (const [env, expected] of cases) assert.match(configError(env).message, expected);
  // Passwords are named, never echoed.
  const error = configError({ REDIS_SENTINEL_PASSWORD: "s3cret-pw" });
  assert.ok(!error.message.includes("s3cret-pw"), error.message);
});
