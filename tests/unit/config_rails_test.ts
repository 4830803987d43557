/** The configuration of the payout rails: routing rules and the SEPA file rail. */
import assert from "node:assert/strict";
import { ConfigError, parseConfig } from "../../src/config.ts";
import { DEFAULT_RULES, DEFAULT_SEPA_RULES } from "../../src/connectors/routing.ts";
import { runEntrypoint } from "../helpers/cli.ts";

/** A complete SEPA configuration (the host key as ssh-keygen prints one). */
const SEPA: Record<string, string> = {
  SEPA_SFTP_HOST: "sftp.bank.example",
  SEPA_SFTP_USER: "payouts",
  SEPA_SFTP_KEY_FILE: "/run/secrets/bank_key",
  SEPA_SFTP_HOST_KEY: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
  SEPA_DEBTOR_NAME: "Example Payouts GmbH",
  SEPA_DEBTOR_IBAN: "DE87123456781234567890",
  SEPA_DEBTOR_BIC: "XMPLDEM0XXX",
};

function configError(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.message;
  }
  assert.fail(`expected ${JSON.stringify(env)} to be rejected`);
}

Deno.test("with nothing set, SEPA is off and the simulated connector pays everything", () => {
  const config = parseConfig({});
  assert.deepEqual(config.routingRules, DEFAULT_RULES);
  assert.equal(config.ROUTING_RULES, "");
  assert.equal(config.ROUTING_FILE, "");
  assert.equal(config.SEPA_SFTP_HOST, "");
  assert.equal(config.SEPA_SFTP_PORT, 22);
  assert.equal(config.SEPA_SFTP_INBOUND_DIR, "inbound");
  assert.equal(config.SEPA_SFTP_OUTBOUND_DIR, "outbound");
  assert.equal(config.SEPA_SFTP_INSECURE_ANY_HOST_KEY, false);
  assert.equal(config.SEPA_CUTOFF_MS, 60_000);
  assert.equal(config.SEPA_FILE_MAX_PAYMENTS, 1000);
  assert.equal(config.SEPA_POLL_MS, 5000);
});

Deno.test("with SEPA configured and no rules, EUR to SEPA recipients goes by file", () => {
  const config = parseConfig(SEPA);
  assert.deepEqual(config.routingRules, DEFAULT_SEPA_RULES);
  assert.equal(config.SEPA_SFTP_HOST, "sftp.bank.example");
});

Deno.test("ROUTING_RULES is parsed and checked against the connectors configured", () => {
  const rules = JSON.stringify([
    { currency: "EUR", recipient_type: "sepa", connectors: ["sepa_file", "simulated"] },
    { connectors: ["simulated"] },
  ]);
  assert.deepEqual(parseConfig({ ...SEPA, ROUTING_RULES: rules }).routingRules, [
    { currencies: ["EUR"], recipientType: "sepa", connectors: ["sepa_file", "simulated"] },
    { connectors: ["simulated"] },
  ]);
  assert.match(
    configError({ ROUTING_RULES: rules }),
    /^invalid ROUTING_RULES: rule 1: connector sepa_file is not configured \(SEPA is off: set SEPA_SFTP_HOST/,
  );
  assert.match(
    configError({ ROUTING_RULES: '[{"connectors": ["wire"]}]' }),
    /^invalid ROUTING_RULES: rule 1: unknown connector "wire" \(known: simulated, sepa_file\)$/,
  );
  assert.match(
    configError({ ...SEPA, ROUTING_RULES: '[{"currency": "USD", "connectors": ["sepa_file"]}]' }),
    /^invalid ROUTING_RULES: rule 1: connector sepa_file cannot pay anything the rule matches/,
  );
  const notJson = configError({ ROUTING_RULES: "[{connectors: simulated}]" });
  assert.match(notJson, /^invalid ROUTING_RULES: not JSON/);
  assert.ok(!notJson.includes("connectors: simulated"), "the rules are not echoed");
});

Deno.test("ROUTING_FILE is read at start, and exclusive with ROUTING_RULES", () => {
  const path = Deno.makeTempFileSync({ suffix: ".json" });
  try {
    Deno.writeTextFileSync(
      path,
      JSON.stringify([{ currency: ["usd", "EUR"], max_amount: "500", connectors: ["simulated"] }, {
        connectors: ["simulated"],
      }]),
    );
    assert.deepEqual(parseConfig({ ROUTING_FILE: path }).routingRules, [
      { currencies: ["USD", "EUR"], maxAmount: "500", connectors: ["simulated"] },
      { connectors: ["simulated"] },
    ]);
    assert.equal(
      configError({ ROUTING_FILE: path, ROUTING_RULES: '[{"connectors": ["simulated"]}]' }),
      "invalid ROUTING_FILE: set ROUTING_RULES or ROUTING_FILE, not both",
    );
    Deno.writeTextFileSync(path, '[{"connectors": ["simulated"], "weight": 2}]');
    assert.match(configError({ ROUTING_FILE: path }), /^invalid ROUTING_FILE: rule 1.*weight/);
  } finally {
    Deno.removeSync(path);
  }
  assert.match(
    configError({ ROUTING_FILE: "/nonexistent/rules.json" }),
    /^invalid ROUTING_FILE="\/nonexistent\/rules.json": cannot read it \(NotFound\)$/,
  );
});

Deno.test("SEPA needs a login, a pinned host key and our account, each named when missing", async (t) => {
  const without = (name: string, extra: Record<string, string> = {}) => {
    const env = { ...SEPA, ...extra };
    delete env[name];
    return env;
  };
  const cases: [string, Record<string, string>, RegExp][] = [
    ["SEPA_SFTP_USER", without("SEPA_SFTP_USER"), /^invalid SEPA_SFTP_USER="": is required/],
    [
      "SEPA_SFTP_KEY_FILE",
      without("SEPA_SFTP_KEY_FILE"),
      /^invalid SEPA_SFTP_KEY_FILE="": is required .*SEPA_SFTP_PASSWORD/,
    ],
    [
      "SEPA_SFTP_HOST_KEY",
      without("SEPA_SFTP_HOST_KEY"),
      /^invalid SEPA_SFTP_HOST_KEY="": is required .*pin the bank's host key/,
    ],
    [
      "SEPA_SFTP_HOST_KEY malformed",
      { ...SEPA, SEPA_SFTP_HOST_KEY: "MD5:aa:bb" },
      /^invalid SEPA_SFTP_HOST_KEY="MD5:aa:bb": must be a SHA256 fingerprint/,
    ],
    ["SEPA_DEBTOR_NAME", without("SEPA_DEBTOR_NAME"), /^invalid SEPA_DEBTOR_NAME="": is required/],
    [
      "SEPA_DEBTOR_NAME without Latin letters",
      { ...SEPA, SEPA_DEBTOR_NAME: "株式会社" },
      /^invalid SEPA_DEBTOR_NAME=/,
    ],
    [
      "SEPA_DEBTOR_IBAN with a bad check sum",
      { ...SEPA, SEPA_DEBTOR_IBAN: "DE00123456781234567890" },
      /^invalid SEPA_DEBTOR_IBAN="DE00123456781234567890": must be our account's IBAN/,
    ],
    [
      "SEPA_DEBTOR_IBAN outside SEPA",
      { ...SEPA, SEPA_DEBTOR_IBAN: "BR1500000000000010932840814P2" },
      /^invalid SEPA_DEBTOR_IBAN=.*in a SEPA country/,
    ],
    [
      "SEPA_DEBTOR_BIC",
      without("SEPA_DEBTOR_BIC"),
      /^invalid SEPA_DEBTOR_BIC="": must be our bank's BIC/,
    ],
    ["SEPA_SFTP_PORT", { ...SEPA, SEPA_SFTP_PORT: "0" }, /^invalid SEPA_SFTP_PORT="0"/],
    ["SEPA_CUTOFF_MS", { ...SEPA, SEPA_CUTOFF_MS: "-1" }, /^invalid SEPA_CUTOFF_MS="-1"/],
    [
      "SEPA_FILE_MAX_PAYMENTS",
      { ...SEPA, SEPA_FILE_MAX_PAYMENTS: "0" },
      /^invalid SEPA_FILE_MAX_PAYMENTS="0"/,
    ],
    ["SEPA_POLL_MS", { ...SEPA, SEPA_POLL_MS: "5" }, /^invalid SEPA_POLL_MS="5"/],
  ];
  for (const [name, env, expected] of cases) {
    await t.step(name, () => assert.match(configError(env), expected));
  }
});

Deno.test("a password login and an unpinned host key (tests only) are accepted when asked for", () => {
  const env = { ...SEPA, SEPA_SFTP_PASSWORD: "s3cret-pw", SEPA_SFTP_INSECURE_ANY_HOST_KEY: "true" };
  delete (env as Record<string, string>).SEPA_SFTP_KEY_FILE;
  delete (env as Record<string, string>).SEPA_SFTP_HOST_KEY;
  const config = parseConfig(env);
  assert.equal(config.SEPA_SFTP_PASSWORD, "s3cret-pw");
  assert.equal(config.SEPA_SFTP_INSECURE_ANY_HOST_KEY, true);
});

Deno.test("the SFTP password is never echoed in an error", () => {
  const message = configError({ ...SEPA, SEPA_SFTP_PASSWORD: "s3cret-pw", SEPA_SFTP_USER: "" });
  assert.ok(!message.includes("s3cret-pw"), message);
  const stray = configError({ SEPA_SFTP_PASSWORD: "s3cret-pw" });
  assert.equal(stray, "invalid SEPA_SFTP_PASSWORD: SEPA_SFTP_HOST is not set, so SEPA is off");
});

Deno.test("a SEPA setting without SEPA_SFTP_HOST is refused rather than ignored", () => {
  assert.equal(
    configError({ SEPA_DEBTOR_IBAN: "DE87123456781234567890" }),
    "invalid SEPA_DEBTOR_IBAN: SEPA_SFTP_HOST is not set, so SEPA is off",
  );
  assert.equal(
    configError({ SEPA_CUTOFF_MS: "1000" }),
    "invalid SEPA_CUTOFF_MS: SEPA_SFTP_HOST is not set, so SEPA is off",
  );
});

const runWorker = (env: Record<string, string>) => runEntrypoint("worker.ts", env);

Deno.test("the worker exits 1 with one line naming a bad routing or SEPA variable", async (t) => {
  await t.step("ROUTING_RULES naming sepa_file without SEPA", async () => {
    const { code, lines } = await runWorker({ ROUTING_RULES: '[{"connectors": ["sepa_file"]}]' });
    assert.equal(code, 1);
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /^worker: invalid ROUTING_RULES: rule 1: connector sepa_file/);
  });
  await t.step("an unreadable SEPA_SFTP_KEY_FILE", async () => {
    const { code, lines } = await runWorker({
      ...SEPA,
      SEPA_SFTP_KEY_FILE: "/nonexistent/bank_key",
    });
    assert.equal(code, 1);
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /^worker: invalid SEPA_SFTP_KEY_FILE: cannot read \/nonexistent/);
  });
});
