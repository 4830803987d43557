/**
 * A burst of creates through one origin by clients that do what a careful client does: each
 * payout has its own Idempotency-Key, and a request that fails (no answer, a 5xx, or 409
 * while the first request with its key is in flight) is sent again with the same key until
 * it is answered. Counts every answer, and when the last failure was seen.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import type { Topology } from "../../helpers/topology.ts";
import {
  assertEachCompletedAndPaidOnce,
  createApiKey,
  statusCounts,
  waitForStatus,
} from "./fault_fixtures.ts";

export interface BurstOptions {
  /** Where POST /api/payouts/ goes (HAProxy's origin). */
  origin: string;
  apiKey: string;
  /** Payouts (distinct keys) to create. */
  count: number;
  /** Concurrent clients. */
  clients: number;
  /** Called once after `answered` creates were answered 2xx, to inject the fault. */
  faultAfter: number;
  fault(): Promise<void>;
  /**
   * While the fault runs, each client pauses this long after each key (default 0), so that
   * creates keep coming through a fault that takes seconds, as a failover does.
   */
  paceDuringFaultMs?: number;
  /** Give up on one key after this long (default 120 s). */
  keyDeadlineMs?: number;
}

export interface BurstResult {
  /** Payout id of each key, from its first 2xx answer. */
  idByKey: Map<string, string>;
  /** Keys answered 2xx with another payout id than their first answer. */
  conflicting: string[];
  /** Requests sent, answers by status, requests without an answer (connection errors). */
  requests: number;
  statuses: Record<number, number>;
  connectionErrors: number;
  /** When the fault began (performance.now()). */
  faultAt: number;
  /** 503s that were the API's outage problem (problem+json, Retry-After), by dependency. */
  outage503s: Record<string, number>;
  /** Every other 5xx answer, described (status, content type, Retry-After, body). */
  other5xx: string[];
  /** When each 2xx answer came (performance.now()), in order. */
  okAt: number[];
  /** The last failure's time (no answer or 5xx) and the first 2xx after it. */
  lastFailureAt: number | undefined;
  firstSuccessAfterLastFailureAt: number | undefined;
}

const BODY = JSON.stringify({
  amount: "10.00",
  currency: "USD",
  recipient_details: { account: "DE89370400440532013000" },
});

/** Runs the burst; every key is answered 2xx in the end, or this throws. */
export async function keyedBurst(options: BurstOptions): Promise<BurstResult> {
  const keys = Array.from({ length: options.count }, () => `burst-${crypto.randomUUID()}`);
  const result: BurstResult = {
    idByKey: new Map(),
    conflicting: [],
    requests: 0,
    statuses: {},
    connectionErrors: 0,
    faultAt: 0,
    outage503s: {},
    other5xx: [],
    okAt: [],
    lastFailureAt: undefined,
    firstSuccessAfterLastFailureAt: undefined,
  };
  let next = 0;
  let answered = 0;
  let fault: Promise<void> | undefined;
  let faultSettled = false;
  const failed = () => {
    result.lastFailureAt = performance.now();
    result.firstSuccessAfterLastFailureAt = undefined;
  };
  const createOnce = async (key: string): Promise<boolean> => {
    result.requests++;
    let response: Response;
    try {
      response = await fetch(`${options.origin}/api/payouts/`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${options.apiKey}`,
          "Content-Type": "application/json",
          "Idempotency-Key": key,
        },
        body: BODY,
        signal: AbortSignal.timeout(20_000),
      });
    } catch {
      result.connectionErrors++;
      failed();
      return false;
    }
    const text = await response.text();
    result.statuses[response.status] = (result.statuses[response.status] ?? 0) + 1;
    if (response.status >= 500) {
      failed();
      const dependency = outageProblemDependency(response, text);
      if (dependency) result.outage503s[dependency] = (result.outage503s[dependency] ?? 0) + 1;
      else result.other5xx.push(describeAnswer(response, text));
    }
    if (response.status !== 200 && response.status !== 201) {
      // In flight elsewhere (409) or unavailable (5xx): the same key goes again.
      assert.ok(response.status === 409 || response.status >= 500, `${response.status} ${text}`);
      return false;
    }
    result.okAt.push(performance.now());
    const id = JSON.parse(text).id as string;
    const first = result.idByKey.get(key);
    if (first === undefined) result.idByKey.set(key, id);
    else if (first !== id) result.conflicting.push(key);
    if (result.lastFailureAt !== undefined && result.firstSuccessAfterLastFailureAt === undefined) {
      result.firstSuccessAfterLastFailureAt = performance.now();
    }
    return true;
  };
  const client = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      const deadline = Date.now() + (options.keyDeadlineMs ?? 120_000);
      while (!await createOnce(key)) {
        if (Date.now() > deadline) throw new Error(`key ${key} was never answered`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (++answered === options.faultAfter) {
        result.faultAt = performance.now();
        fault = options.fault();
        fault.finally(() => faultSettled = true).catch(() => {});
      }
      if (options.paceDuringFaultMs && fault && !faultSettled) {
        await new Promise((resolve) => setTimeout(resolve, options.paceDuringFaultMs));
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, client));
  await fault;
  return result;
}

/**
 * The dependency a 503 names when it is the API's outage answer: problem+json of type
 * dependency_unavailable with a Retry-After of a second or more; undefined otherwise.
 */
function outageProblemDependency(response: Response, text: string): string | undefined {
  if (response.status !== 503) return undefined;
  if (response.headers.get("content-type") !== "application/problem+json") return undefined;
  if (!(Number(response.headers.get("retry-after")) >= 1)) return undefined;
  try {
    const body = JSON.parse(text);
    return body.type === "/problems/dependency_unavailable" ? String(body.dependency) : undefined;
  } catch {
    return undefined;
  }
}

function describeAnswer(response: Response, text: string): string {
  return `${response.status} ${response.headers.get("content-type")} Retry-After=${
    response.headers.get("retry-after")
  } ${text.slice(0, 200)}`;
}

/**
 * Asserts the promise of an outage: every 5xx was a 503 outage problem with Retry-After,
 * naming `dependency`, and some were answered (the fault was seen).
 */
export function assertOnlyOutage503s(result: BurstResult, dependency: string): void {
  assert.deepEqual(result.other5xx.slice(0, 10), [], "no 5xx but the outage 503");
  assert.deepEqual(Object.keys(result.outage503s), [dependency], `the 503s name ${dependency}`);
}

/** Milliseconds from `at` to the first 2xx answer after it; undefined if none came. */
export function msToFirstOkAfter(result: BurstResult, at: number): number | undefined {
  const ok = result.okAt.find((time) => time >= at);
  return ok === undefined ? undefined : Math.round(ok - at);
}

/** Sends every key once more: each must be answered with the payout its first answer named. */
export async function assertReplaysAnswerTheSame(
  origin: string,
  apiKey: string,
  idByKey: Map<string, string>,
): Promise<void> {
  for (const [key, id] of idByKey) {
    const response = await fetch(`${origin}/api/payouts/`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${apiKey}`,
        "Content-Type": "application/json",
        "Idempotency-Key": key,
      },
      body: BODY,
    });
    const body = await response.json();
    assert.ok(response.ok, `replay of ${key}: ${response.status} ${JSON.stringify(body)}`);
    assert.equal(body.id, id, `replay of ${key} names the payout its first answer named`);
  }
}

/** Payouts in the database beyond one per key: what a retried create would have doubled. */
export async function duplicatePayouts(sql: postgres.Sql, keys: number): Promise<number> {
  const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from payouts`;
  return n - keys;
}

/** The one line each topology fault test prints. */
export function countsLine(
  name: string,
  result: BurstResult,
  completed: number,
  duplicates: number,
  more = "",
): string {
  const fiveXx = Object.entries(result.statuses)
    .filter(([status]) => Number(status) >= 500)
    .reduce((sum, [, n]) => sum + n, 0);
  const recoveredMs = result.lastFailureAt === undefined
    ? 0
    : (result.firstSuccessAfterLastFailureAt ?? result.lastFailureAt) - result.faultAt;
  return `${name}: created ${result.idByKey.size}, completed ${completed}, duplicates ${duplicates}, ` +
    `5xx answers ${fiveXx} (503 outage problems ${
      Object.values(result.outage503s).reduce((sum, n) => sum + n, 0)
    }), no answer ${result.connectionErrors}, 409 in flight ${
      result.statuses[409] ?? 0
    }, requests ${result.requests}, time to recover ${Math.round(Math.max(0, recoveredMs))} ms` +
    `${more ? `, ${more}` : ""} (statuses ${JSON.stringify(result.statuses)})`;
}

/** Keyed creates per fault test, their clients, and how many are answered before the fault. */
export const BURST = { count: 240, clients: 12, faultAfter: 60 };

/**
 * A burst of BURST.count keyed creates through the topology's HAProxy with `fault` injected
 * after BURST.faultAfter answers, then the checks every topology fault test makes: each key
 * answered with one payout (and again with it when replayed), no payout beyond one per key,
 * every payout completed and paid once.
 */
export async function burstThroughFault(
  topology: Topology,
  fault: () => Promise<void>,
  { paceDuringFaultMs }: Pick<BurstOptions, "paceDuringFaultMs"> = {},
) {
  const { sql } = topology.db;
  const { key } = await createApiKey(sql);
  const result = await keyedBurst({
    origin: topology.origin,
    apiKey: key,
    ...BURST,
    fault,
    paceDuringFaultMs,
  });
  assert.deepEqual(result.conflicting, [], "no key was answered with two payouts");
  assert.equal(result.idByKey.size, BURST.count, "every key was answered");
  assert.equal(new Set(result.idByKey.values()).size, BURST.count, "one payout per key");
  await assertReplaysAnswerTheSame(topology.origin, key, result.idByKey);
  const duplicates = await duplicatePayouts(sql, BURST.count);
  assert.equal(duplicates, 0, "no payout beyond one per key");
  await waitForStatus(sql, "completed", BURST.count);
  await assertEachCompletedAndPaidOnce(sql, [...result.idByKey.values()]);
  const completed = (await statusCounts(sql)).completed ?? 0;
  return { result, completed, duplicates };
}
