import assert from "node:assert/strict";
import type { Connector, ConnectorCapabilities } from "../../src/connectors/connector.ts";
import { CONNECTOR_CATALOG, SEPA_FILE, SIMULATED } from "../../src/connectors/connector_catalog.ts";
import {
  checkRouting,
  compareToMinor,
  DEFAULT_RULES,
  DEFAULT_SEPA_RULES,
  defaultRules,
  parseRoutingRules,
  Router,
  RoutingError,
  type RoutingRule,
  ruleMatches,
} from "../../src/connectors/routing.ts";

/** A connector that only declares what it pays; routing never calls it. */
function fake(capabilities: ConnectorCapabilities): Connector {
  return {
    ...capabilities,
    pay: () => Promise.reject(new Error("not called")),
    wasPaid: () => Promise.resolve(false),
  };
}

const simulated = fake(SIMULATED);
const sepaFile = fake(SEPA_FILE);
const usdOnly = fake({
  name: "usd_wire",
  currencies: ["USD"],
  recipientTypes: ["test"],
  answersLater: false,
});

const eurSepa = (amountMinor = 12_550n) => ({
  currency: "EUR",
  amountMinor,
  recipientType: "sepa" as const,
});

function routingError(text: string): string {
  try {
    parseRoutingRules(text);
  } catch (error) {
    assert.ok(error instanceof RoutingError, `expected RoutingError, got ${error}`);
    return error.message;
  }
  assert.fail(`expected ${text} to be refused`);
}

Deno.test("with nothing configured the simulated connector pays everything", () => {
  assert.deepEqual(defaultRules(false), DEFAULT_RULES);
  assert.deepEqual(DEFAULT_RULES, [{ connectors: ["simulated"] }]);
  const router = new Router(DEFAULT_RULES, [simulated]);
  assert.deepEqual(router.route({ currency: "USD", amountMinor: 1n, recipientType: "test" }), {
    rule: 0,
    candidates: [simulated],
  });
  assert.deepEqual(router.route(eurSepa()).candidates, [simulated]);
});

Deno.test("with SEPA configured the default sends EUR to SEPA recipients by file, the rest simulated", () => {
  assert.deepEqual(defaultRules(true), DEFAULT_SEPA_RULES);
  const router = new Router(DEFAULT_SEPA_RULES, [simulated, sepaFile]);
  assert.deepEqual(router.route(eurSepa()), { rule: 0, candidates: [sepaFile] });
  assert.deepEqual(router.route({ ...eurSepa(), currency: "USD" }), {
    rule: 1,
    candidates: [simulated],
  });
  assert.deepEqual(router.route({ ...eurSepa(), recipientType: "test" }).candidates, [simulated]);
});

Deno.test("the first matching rule wins, in order", () => {
  const rules = parseRoutingRules(JSON.stringify([
    { currency: "eur", recipient_type: "sepa", max_amount: "1000", connectors: ["sepa_file"] },
    { currency: ["EUR", "USD"], connectors: ["simulated"] },
    { connectors: ["sepa_file", "simulated"] },
  ]));
  const router = new Router(rules, [simulated, sepaFile]);
  assert.equal(router.route(eurSepa(100_000n)).rule, 0, "EUR 1000.00 is at the maximum");
  assert.equal(router.route(eurSepa(100_001n)).rule, 1, "EUR 1000.01 is above it");
  assert.equal(router.route({ ...eurSepa(), currency: "USD" }).rule, 1);
  const gbp = router.route({ currency: "GBP", amountMinor: 5n, recipientType: "sepa" });
  assert.equal(gbp.rule, 2);
  // sepa_file cannot pay GBP: only simulated of that rule is a candidate.
  assert.deepEqual(gbp.candidates, [simulated]);
});

Deno.test("candidates are the rule's connectors that can pay the currency and recipient type", () => {
  const rules: RoutingRule[] = [{ connectors: ["sepa_file", "usd_wire", "simulated"] }];
  const router = new Router(rules, [simulated, sepaFile, usdOnly]);
  assert.deepEqual(router.route(eurSepa()).candidates, [sepaFile, simulated]);
  assert.deepEqual(
    router.route({ currency: "USD", amountMinor: 1n, recipientType: "test" }).candidates,
    [usdOnly, simulated],
  );
  const none = new Router([{ currencies: ["EUR"], connectors: ["sepa_file"] }], [sepaFile]);
  assert.deepEqual(none.route({ ...eurSepa(), recipientType: "test" }), {
    rule: 0,
    candidates: [],
  });
  assert.deepEqual(none.route({ ...eurSepa(), currency: "USD" }), { rule: null, candidates: [] });
});

Deno.test("amount bounds are inclusive and exact in the currency's minor units", () => {
  const rule: RoutingRule = {
    currencies: ["JPY", "BHD"],
    minAmount: "100",
    maxAmount: "100.5",
    connectors: ["simulated"],
  };
  const jpy = (amountMinor: bigint) => ({
    currency: "JPY",
    amountMinor,
    recipientType: "test" as const,
  });
  const bhd = (amountMinor: bigint) => ({
    currency: "BHD",
    amountMinor,
    recipientType: "test" as const,
  });
  assert.equal(ruleMatches(rule, jpy(99n)), false);
  assert.equal(ruleMatches(rule, jpy(100n)), true);
  assert.equal(ruleMatches(rule, jpy(101n)), false, "JPY 101 is above 100.5");
  assert.equal(ruleMatches(rule, bhd(100_500n)), true, "BHD 100.500");
  assert.equal(ruleMatches(rule, bhd(100_501n)), false, "BHD 100.501");
  assert.equal(compareToMinor("0.1", 10n, 2), 0);
  assert.equal(compareToMinor("0.10000000000000000001", 10n, 2), 1);
  assert.equal(compareToMinor("999999999999999999999", 1n, 0), 1);
});

Deno.test("rules with a bad shape are refused, naming the rule", async (t) => {
  const cases: [string, RegExp][] = [
    ["not json", /^not JSON/],
    ["{}", /expected a JSON array/],
    ["[]", /at least one rule/],
    ['[{"connectors": []}]', /^rule 1 connectors: must name at least one connector/],
    ['[{"connectors": ["simulated"], "colour": "red"}]', /^rule 1.*colour/],
    [
      '[{"connectors": ["simulated"]}, {"currency": "EURO", "connectors": ["simulated"]}]',
      /^rule 2: currency "EURO"/,
    ],
    ['[{"currency": "XAU", "connectors": ["simulated"]}]', /^rule 1: currency "XAU" is not/],
    ['[{"recipient_type": "card", "connectors": ["simulated"]}]', /^rule 1 recipient_type/],
    ['[{"currency": "EUR", "min_amount": 10, "connectors": ["simulated"]}]', /^rule 1 min_amount/],
    [
      '[{"currency": "EUR", "max_amount": "1e3", "connectors": ["simulated"]}]',
      /^rule 1 max_amount: must be a decimal/,
    ],
    [
      '[{"max_amount": "1000", "connectors": ["simulated"]}]',
      /^rule 1: min_amount and max_amount need a currency/,
    ],
    [
      '[{"currency": "EUR", "min_amount": "10.5", "max_amount": "10.49", "connectors": ["simulated"]}]',
      /^rule 1: min_amount 10\.5 is above max_amount 10\.49/,
    ],
    ['[{"connectors": ["simulated", "simulated"]}]', /^rule 1: lists connector "simulated" twice/],
  ];
  for (const [text, expected] of cases) {
    await t.step(text, () => assert.match(routingError(text), expected));
  }
});

Deno.test("rules naming an unknown, unconfigured or useless connector are refused", () => {
  const check = (rules: RoutingRule[], enabled: string[]) => () =>
    checkRouting(rules, CONNECTOR_CATALOG, new Set(enabled), { sepa_file: "set SEPA_SFTP_HOST" });
  assert.throws(
    check([{ connectors: ["paypal"] }], ["simulated"]),
    /^RoutingError: rule 1: unknown connector "paypal" \(known: simulated, sepa_file\)$/,
  );
  assert.throws(
    check([{ connectors: ["simulated"] }, { connectors: ["sepa_file"] }], ["simulated"]),
    /^RoutingError: rule 2: connector sepa_file is not configured \(set SEPA_SFTP_HOST\)$/,
  );
  assert.throws(
    check([{ currencies: ["USD"], connectors: ["sepa_file"] }], ["simulated", "sepa_file"]),
    /rule 1: connector sepa_file cannot pay anything the rule matches \(it pays EUR to sepa/,
  );
  assert.throws(
    check([{ recipientType: "test", connectors: ["sepa_file"] }], ["simulated", "sepa_file"]),
    /rule 1: connector sepa_file cannot pay anything/,
  );
  // A connector that pays part of what the rule matches is fine: the others fall through.
  check([{ currencies: ["EUR", "USD"], connectors: ["sepa_file", "simulated"] }], [
    "simulated",
    "sepa_file",
  ])();
  check([...DEFAULT_SEPA_RULES], ["simulated", "sepa_file"])();
});

Deno.test("a router refuses rules naming a connector it was not given", () => {
  assert.throws(() => new Router(DEFAULT_SEPA_RULES, [simulated]), /unknown connector "sepa_file"/);
  assert.deepEqual(Router.only(sepaFile).route(eurSepa()).candidates, [sepaFile]);
  assert.equal(new Router(DEFAULT_RULES, [simulated]).get("sepa_file"), undefined);
});
