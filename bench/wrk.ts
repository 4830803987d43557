/**
 * Load generation with wrk (Debian package `wrk`): a C event loop that costs the machine
 * far less CPU per request than the service it measures. A Lua script adds the
 * Authorization header and body, rotates through request paths, counts every non-2xx
 * answer in each thread and prints one JSON summary line.
 */
import { spawnChild } from "./processes.ts";

const SUMMARY = "BENCH_JSON ";

// Threads are wrk's own Lua states: setup() keeps them so done() can sum their counters.
const LUA = `
local threads = {}
function setup(thread) table.insert(threads, thread) end

local requests = {}
local position = 0
non2xx = 0

function init(args)
  local method, key, body, paths_file = args[1], args[2], args[3], args[4]
  local headers = { ["Authorization"] = "Bearer " .. key }
  if body ~= "" then headers["Content-Type"] = "application/json" else body = nil end
  for path in io.lines(paths_file) do
    if path ~= "" then table.insert(requests, wrk.format(method, path, headers, body)) end
  end
  position = math.random(#requests)
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    '${SUMMARY}{"requests":%d,"duration_us":%d,"non_2xx":%d,' ..
    '"socket_errors":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, bad,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`;

// For the end-to-end run: each thread POSTs its share of `total` payouts, then idles on
// /health/ (one request per connection per second) until the benchmark stops wrk.
const CREATE_LUA = `
local threads = {}
local count = 0
function setup(thread)
  count = count + 1
  thread:set("index", count)
  table.insert(threads, thread)
end

issued, created, non2xx = 0, 0, 0

function init(args)
  local key, body, total, nthreads = args[1], args[2], tonumber(args[3]), tonumber(args[4])
  quota = math.floor(total / nthreads) + ((index <= total % nthreads) and 1 or 0)
  -- wrk calls request() once on the first thread's state to inspect it, sending nothing.
  if index == 1 then quota = quota + 1 end
  post = wrk.format("POST", "/api/payouts/",
    { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }, body)
  idle = wrk.format("GET", "/health/")
end

function delay()
  if issued >= quota then return 1000 end
  return 0
end

function request()
  if issued < quota then
    issued = issued + 1
    return post
  end
  return idle
end

function response(status, headers, body)
  if status == 201 then created = created + 1
  elseif status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local c, bad = 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("created")
    bad = bad + thread:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format('${SUMMARY}{"created":%d,"non_2xx":%d,"socket_errors":%d}\\n',
    c, bad, e.connect + e.read + e.write + e.timeout))
end
`;

export interface WrkRun {
  baseUrl: string;
  method: "GET" | "POST";
  /** Request paths, used in turn (one path for the same request every time). */
  paths: readonly string[];
  body: string;
  apiKey: string;
  connections: number;
  threads: number;
  durationS: number;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  non_2xx: number;
  socket_errors: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  /** wrk's pid, for CPU accounting while it runs. */
  pid: number;
}

/** Whether wrk is installed. */
export async function haveWrk(): Promise<boolean> {
  try {
    const { code } = await new Deno.Command("wrk", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    // wrk --version prints usage and exits 1; a missing binary throws instead.
    return code === 0 || code === 1;
  } catch {
    return false;
  }
}

/** wrk threads: as asked, but at most one per connection. */
function wrkThreads(run: { threads: number; connections: number }): number {
  return Math.max(1, Math.min(run.threads, run.connections));
}

/** wrk's command line: the Lua `script` gets `scriptArgs` through `init(args)`. */
function wrkArgs(
  run: { threads: number; connections: number; baseUrl: string },
  duration: string,
  script: string,
  scriptArgs: string[],
): string[] {
  return [
    "--threads",
    String(wrkThreads(run)),
    "--connections",
    String(run.connections),
    "--duration",
    duration,
    "--timeout",
    "10s",
    "--script",
    script,
    run.baseUrl,
    "--",
    ...scriptArgs,
  ];
}

export interface WrkCreateRun {
  baseUrl: string;
  body: string;
  apiKey: string;
  connections: number;
  threads: number;
  /** Payouts to create between all connections. */
  total: number;
}

/**
 * Creates exactly `total` payouts with wrk, keeps it running (nearly idle) until `until`
 * resolves, then stops it with SIGINT, on which wrk prints its summary.
 */
export async function runWrkCreate(
  run: WrkCreateRun,
  until: () => Promise<void>,
): Promise<{ created: number; non_2xx: number; socket_errors: number }> {
  const dir = await Deno.makeTempDir({ prefix: "payouts-bench-wrk-" });
  try {
    const script = `${dir}/create.lua`;
    await Deno.writeTextFile(script, CREATE_LUA);
    const threads = wrkThreads(run);
    const child = spawnChild(
      "wrk",
      "wrk",
      wrkArgs(run, "3600s", script, [
        run.apiKey,
        run.body,
        String(run.total),
        String(threads),
      ]),
    );
    try {
      await until();
    } finally {
      await child.stop("SIGINT", 10_000);
    }
    return JSON.parse(await child.line(SUMMARY, 1000));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs wrk once; `onStart` receives its pid while it runs. */
export async function runWrk(
  run: WrkRun,
  onStart: (pid: number) => void = () => {},
): Promise<WrkResult> {
  const dir = await Deno.makeTempDir({ prefix: "payouts-bench-wrk-" });
  try {
    const script = `${dir}/script.lua`;
    const paths = `${dir}/paths.txt`;
    await Deno.writeTextFile(script, LUA);
    await Deno.writeTextFile(paths, run.paths.join("\n") + "\n");
    const child = spawnChild(
      "wrk",
      "wrk",
      wrkArgs(run, `${run.durationS}s`, script, [run.method, run.apiKey, run.body, paths]),
    );
    onStart(child.pid);
    const line = await child.line(SUMMARY, (run.durationS + 30) * 1000);
    await child.status;
    const raw = JSON.parse(line);
    const ms = (us: number) => Math.round(us / 10) / 100;
    return {
      requests: raw.requests,
      seconds: raw.duration_us / 1e6,
      non_2xx: raw.non_2xx,
      socket_errors: raw.socket_errors,
      p50_ms: ms(raw.p50_us),
      p90_ms: ms(raw.p90_us),
      p99_ms: ms(raw.p99_us),
      max_ms: ms(raw.max_us),
      pid: child.pid,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
