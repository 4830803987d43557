/**
 * Routing rules: which connectors may pay a payout, in the order to try them. Rules come from
 * the configuration (`ROUTING_RULES` or `ROUTING_FILE`), are checked once at start, and the
 * first rule that matches a payout decides; its connectors that can pay the payout's currency
 * and recipient type are the candidates. The worker moves from one candidate to the next only
 * when a connector refused before sending anything (failover).
 */
import { z } from "zod";
import { currencyExponent } from "../payouts/currencies.ts";
import { RECIPIENT_TYPES, type RecipientType } from "../payouts/payout.ts";
import { canPay, type Connector, type ConnectorCapabilities } from "./connector.ts";
import { SEPA_FILE, SIMULATED } from "./connector_catalog.ts";

/** One rule, as checked: currencies upper-case, amounts decimal text in major units. */
export interface RoutingRule {
  /** Matches only these currencies; any when absent. */
  currencies?: readonly string[];
  recipientType?: RecipientType;
  /** Matches amounts at or above this (inclusive), in major units. */
  minAmount?: string;
  /** Matches amounts at or below this (inclusive), in major units. */
  maxAmount?: string;
  /** In the order to try them. */
  connectors: readonly string[];
}

/** A rule set that cannot be used; the message says which rule and why. */
export class RoutingError extends Error {
  override name = "RoutingError";
}

/** With nothing configured: the simulated connector pays everything. */
export const DEFAULT_RULES: readonly RoutingRule[] = [{ connectors: [SIMULATED.name] }];

/** With SEPA configured and no rules given: EUR to SEPA recipients by file, the rest simulated. */
export const DEFAULT_SEPA_RULES: readonly RoutingRule[] = [
  { currencies: ["EUR"], recipientType: "sepa", connectors: [SEPA_FILE.name] },
  { connectors: [SIMULATED.name] },
];

/** The rules in force when none are configured. */
export function defaultRules(sepaConfigured: boolean): readonly RoutingRule[] {
  return sepaConfigured ? DEFAULT_SEPA_RULES : DEFAULT_RULES;
}

const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

const RuleInput = z.strictObject({
  currency: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  recipient_type: z.enum(RECIPIENT_TYPES).optional(),
  min_amount: z.string().regex(DECIMAL, 'must be a decimal string such as "1000.00"').optional(),
  max_amount: z.string().regex(DECIMAL, 'must be a decimal string such as "1000.00"').optional(),
  connectors: z.array(z.string().min(1)).min(1, "must name at least one connector"),
});

const RulesInput = z.array(RuleInput).min(1, "must hold at least one rule");

/**
 * Parses rules from JSON text (`[{"currency": "EUR", "connectors": ["sepa_file"]}, …]`),
 * checking their shape: known keys only, ISO 4217 currencies, decimal amounts with the
 * minimum not above the maximum, and no connector listed twice in a rule.
 * @throws RoutingError naming the rule (counted from 1) and what is wrong with it.
 */
export function parseRoutingRules(text: string): RoutingRule[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RoutingError(`not JSON: ${(error as Error).message}`);
  }
  const parsed = RulesInput.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const [index, ...field] = issue.path;
    const where = typeof index === "number"
      ? `rule ${index + 1}${field.length > 0 ? ` ${field.join(".")}` : ""}: `
      : "";
    throw new RoutingError(
      `${where}${issue.message}; expected a JSON array of {currency?, recipient_type?, ` +
        "min_amount?, max_amount?, connectors}",
    );
  }
  return parsed.data.map((input, i) => {
    const fail = (message: string): never => {
      throw new RoutingError(`rule ${i + 1}: ${message}`);
    };
    const rule: RoutingRule = { connectors: input.connectors };
    if (input.currency !== undefined) {
      const codes = (typeof input.currency === "string" ? [input.currency] : input.currency)
        .map((code) => code.toUpperCase());
      for (const code of codes) {
        if (currencyExponent(code) === undefined) {
          fail(`currency ${JSON.stringify(code)} is not an active ISO 4217 code`);
        }
      }
      rule.currencies = [...new Set(codes)];
    }
    if (input.recipient_type !== undefined) rule.recipientType = input.recipient_type;
    if (input.min_amount !== undefined) rule.minAmount = input.min_amount;
    if (input.max_amount !== undefined) rule.maxAmount = input.max_amount;
    if ((rule.minAmount !== undefined || rule.maxAmount !== undefined) && !rule.currencies) {
      // "1000" means nothing without a currency: 1000 JPY is not 1000 EUR.
      fail("min_amount and max_amount need a currency");
    }
    if (
      rule.minAmount !== undefined && rule.maxAmount !== undefined &&
      compareDecimals(rule.minAmount, rule.maxAmount) > 0
    ) {
      fail(`min_amount ${rule.minAmount} is above max_amount ${rule.maxAmount}`);
    }
    const seen = new Set<string>();
    for (const name of input.connectors) {
      if (seen.has(name)) fail(`lists connector ${JSON.stringify(name)} twice`);
      seen.add(name);
    }
    return rule;
  });
}

/**
 * Checks that every connector the rules name exists, is enabled, and can pay something its
 * rule matches (a currency and a recipient type they share).
 * @param known every connector the service has (connector_catalog.ts)
 * @param enabled the names of those this configuration can build
 * @param hint why a known connector is not enabled, by name (e.g. what to configure)
 * @throws RoutingError naming the rule and the connector.
 */
export function checkRouting(
  rules: readonly RoutingRule[],
  known: readonly ConnectorCapabilities[],
  enabled: ReadonlySet<string>,
  hint: Readonly<Record<string, string>> = {},
): void {
  const names = known.map((connector) => connector.name);
  rules.forEach((rule, i) => {
    for (const name of rule.connectors) {
      const connector = known.find((candidate) => candidate.name === name);
      if (!connector) {
        throw new RoutingError(
          `rule ${i + 1}: unknown connector ${JSON.stringify(name)} (known: ${names.join(", ")})`,
        );
      }
      if (!enabled.has(name)) {
        throw new RoutingError(
          `rule ${i + 1}: connector ${name} is not configured${
            hint[name] ? ` (${hint[name]})` : ""
          }`,
        );
      }
      if (!canPayAnythingOf(connector, rule)) {
        throw new RoutingError(
          `rule ${i + 1}: connector ${name} cannot pay anything the rule matches (it pays ` +
            `${describe(connector)})`,
        );
      }
    }
  });
}

function canPayAnythingOf(connector: ConnectorCapabilities, rule: RoutingRule): boolean {
  const currencyShared = rule.currencies === undefined || connector.currencies === "*" ||
    rule.currencies.some((code) => connector.currencies.includes(code));
  const typeShared = rule.recipientType === undefined ||
    connector.recipientTypes.includes(rule.recipientType);
  return currencyShared && typeShared;
}

function describe(connector: ConnectorCapabilities): string {
  const currencies = connector.currencies === "*" ? "any currency" : connector.currencies.join("/");
  return `${currencies} to ${connector.recipientTypes.join(" or ")} recipients`;
}

/** What routing looks at. */
export interface Routable {
  currency: string;
  amountMinor: bigint;
  recipientType: RecipientType;
}

/** The route of one payout: the rule that matched (index from 0) and the candidates. */
export interface Route {
  rule: number | null;
  candidates: Connector[];
}

/** Whether `rule` matches `payout`. */
export function ruleMatches(rule: RoutingRule, payout: Routable): boolean {
  if (rule.currencies && !rule.currencies.includes(payout.currency)) return false;
  if (rule.recipientType && rule.recipientType !== payout.recipientType) return false;
  const exponent = currencyExponent(payout.currency);
  if (exponent === undefined) return false;
  if (
    rule.minAmount !== undefined && compareToMinor(rule.minAmount, payout.amountMinor, exponent) > 0
  ) return false;
  if (
    rule.maxAmount !== undefined && compareToMinor(rule.maxAmount, payout.amountMinor, exponent) < 0
  ) return false;
  return true;
}

/** The connectors of a worker and the rules that choose among them. */
export class Router {
  private readonly byName: Map<string, Connector>;

  /** @throws RoutingError if a rule names a connector that is not in `connectors`. */
  constructor(readonly rules: readonly RoutingRule[], readonly connectors: readonly Connector[]) {
    this.byName = new Map(connectors.map((connector) => [connector.name, connector]));
    checkRouting(rules, connectors, new Set(this.byName.keys()));
  }

  /** One connector paying everything it can: for tests and tools. */
  static only(connector: Connector): Router {
    return new Router([{ connectors: [connector.name] }], [connector]);
  }

  /** The connector called `name`, if this worker has it. */
  get(name: string): Connector | undefined {
    return this.byName.get(name);
  }

  /**
   * The first matching rule's connectors that can pay `payout`, in the rule's order; none when
   * no rule matches or none of its connectors can pay it.
   */
  route(payout: Routable): Route {
    const rule = this.rules.findIndex((candidate) => ruleMatches(candidate, payout));
    if (rule < 0) return { rule: null, candidates: [] };
    const candidates = this.rules[rule].connectors
      .map((name) => this.byName.get(name)!)
      .filter((connector) => canPay(connector, payout.currency, payout.recipientType));
    return { rule, candidates };
  }
}

/** -1, 0 or 1 as decimal text `a` is below, equal to or above decimal text `b`. */
export function compareDecimals(a: string, b: string): number {
  const scale = Math.max(fractionDigits(a), fractionDigits(b));
  const diff = scaled(a, scale) - scaled(b, scale);
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}

/** -1, 0 or 1 as decimal text `decimal` is below, equal to or above `minor` / 10^exponent. */
export function compareToMinor(decimal: string, minor: bigint, exponent: number): number {
  const scale = Math.max(fractionDigits(decimal), exponent);
  const diff = scaled(decimal, scale) - minor * 10n ** BigInt(scale - exponent);
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}

function fractionDigits(decimal: string): number {
  const point = decimal.indexOf(".");
  return point < 0 ? 0 : decimal.length - point - 1;
}

// The decimal's value times 10^scale, exactly (scale ≥ its fraction digits).
function scaled(decimal: string, scale: number): bigint {
  const [int, frac = ""] = decimal.split(".");
  return BigInt(int + frac.padEnd(scale, "0"));
}
