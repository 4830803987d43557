/**
 * The container files (Dockerfile, compose.yaml, .env.example, .dockerignore) cannot be run
 * here (no Docker engine), so this checks them against the code instead: the commands they
 * run exist, the variables they set are ones the config reads, versions agree, and the
 * compose topology has the properties the README promises. Each checker returns a list of
 * problems; every check is also fed a drifted copy to prove it notices.
 */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { CONFIG_KEYS, parseConfig } from "../../src/config.ts";

const ROOT = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, ROOT));

/** Variables compose and .env.example may set for the postgres image, not for the app. */
const INFRA_VARIABLES = new Set(["POSTGRES_PASSWORD", "POSTGRES_DB"]);
/** What compose may set for each third-party image (by name, without the tag). */
const IMAGE_VARIABLES: Record<string, Set<string>> = {
  postgres: INFRA_VARIABLES,
  // edoburu/pgbouncer writes pgbouncer.ini and the userlist from these.
  "edoburu/pgbouncer": new Set([
    "DB_HOST",
    "DB_USER",
    "DB_PASSWORD",
    "DB_NAME",
    "POOL_MODE",
    "AUTH_TYPE",
    "MAX_CLIENT_CONN",
    "DEFAULT_POOL_SIZE",
    "IGNORE_STARTUP_PARAMETERS",
    "SERVER_LOGIN_RETRY",
    "QUERY_WAIT_TIMEOUT",
  ]),
};
/** Variables the Dockerfile may set for Deno itself, not for the app. */
const DOCKERFILE_VARIABLES = new Set(["DENO_NO_UPDATE_CHECK", "NO_COLOR", "DENO_DIR"]);
/** Config keys compose must not pass to the app containers. */
const NEVER_PASSED = new Set(["FAULT_INJECT"]);
/** Services built from this repo's image; the rest are third-party images. */
const APP_IMAGE = "payouts-service:local";
/** What the image needs in its build context. */
const IMAGE_SOURCES = [
  "deno.json",
  "deno.lock",
  "main.ts",
  "worker.ts",
  "src/",
  "scripts/",
  "migrations/",
];

interface Sources {
  dockerfile: string;
  compose: string;
  envExample: string;
  dockerignore: string;
  ciRun: string;
  readme: string;
  haproxyCfg: string;
  sentinelConf: string;
}

function realSources(): Sources {
  return {
    dockerfile: read("Dockerfile"),
    compose: read("compose.yaml"),
    envExample: read(".env.example"),
    dockerignore: read(".dockerignore"),
    ciRun: read(".ci/run"),
    readme: read("README.md"),
    haproxyCfg: read("deploy/haproxy.cfg"),
    sentinelConf: read("deploy/sentinel.conf"),
  };
}

const TASKS: Record<string, string> = JSON.parse(read("deno.json")).tasks;

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(new URL(path, ROOT)).isFile;
  } catch {
    return false;
  }
}

/** Returns `text` with `from` replaced, failing if `from` is not there to drift. */
function drift(text: string, from: string | RegExp, to: string): string {
  const changed = text.replace(from, to);
  assert.notEqual(changed, text, `drift target ${from} not found`);
  return changed;
}

function assertReported(problems: string[], problem: string): void {
  assert.ok(problems.includes(problem), `"${problem}" not in ${JSON.stringify(problems)}`);
}

// --- Parsing ----------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = "";
  for (const line of text.split("\n")) {
    if (line.trim().startsWith("#")) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    const whole = (pending + line).trim();
    pending = "";
    if (!whole) continue;
    const match = whole.match(/^(\S+)\s*(.*)$/s)!;
    instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim() });
  }
  return instructions;
}

/** The argv of an exec-form (JSON array) instruction, or undefined for shell form. */
function execForm(args: string): string[] | undefined {
  if (!args.startsWith("[")) return undefined;
  const parsed = JSON.parse(args);
  assert.ok(Array.isArray(parsed) && parsed.every((a) => typeof a === "string"), args);
  return parsed;
}

// deno-lint-ignore no-explicit-any
type Yaml = any;

function parseCompose(text: string): Yaml {
  return parseYaml(text, { merge: true });
}

function environmentOf(service: Yaml): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) {
    return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? "")]));
  }
  return Object.fromEntries(env.map((entry: string) => {
    const at = entry.indexOf("=");
    return at < 0 ? [entry, ""] : [entry.slice(0, at), entry.slice(at + 1)];
  }));
}

function isAppService(service: Yaml): boolean {
  return service.image === APP_IMAGE || service.build !== undefined;
}

function envExampleEntries(text: string): Map<string, { value: string; documented: boolean }> {
  const lines = text.split("\n");
  const entries = new Map<string, { value: string; documented: boolean }>();
  lines.forEach((line, index) => {
    const match = line.match(/^([A-Z][A-Z0-9_]*)=(.*)$/);
    if (!match) return;
    // Documented: a comment in the block of lines right above (keys may share one).
    let documented = false;
    for (let i = index - 1; i >= 0 && lines[i].trim() !== ""; i--) {
      if (lines[i].startsWith("#")) documented = true;
    }
    entries.set(match[1], { value: match[2], documented });
  });
  return entries;
}

// --- Checks -----------------------------------------------------------------------------

/** Problems with one command run in the app image: only real tasks and existing files. */
function commandProblems(argv: string[] | undefined, where: string): string[] {
  if (!argv) return [`${where}: shell form; use exec form so signals reach deno`];
  if (argv.length === 0) return [];
  if (argv[0] !== "deno") return [`${where}: runs ${argv[0]}, not deno`];
  const [, subcommand, ...rest] = argv;
  const files = rest.filter((arg) => !arg.startsWith("-") && /\.(ts|js)$/.test(arg));
  const missing = files.filter((file) => !fileExists(file));
  switch (subcommand) {
    case "task":
      return rest[0] in TASKS ? [] : [`${where}: no deno task named ${rest[0]}`];
    case "install":
    case "check":
    case "cache":
    case "run":
      if (subcommand !== "install" && files.length === 0) return [`${where}: no entrypoint`];
      return missing.map((file) => `${where}: entrypoint ${file} does not exist`);
    case "eval":
      return [];
    default:
      return [`${where}: unexpected deno subcommand ${subcommand}`];
  }
}

/** Problems with the commands the Dockerfile and compose.yaml run. */
function commandsProblems(sources: Sources): string[] {
  const problems: string[] = [];
  let sawCmd = false;
  for (const { keyword, args } of parseDockerfile(sources.dockerfile)) {
    if (keyword === "CMD" || keyword === "ENTRYPOINT") {
      sawCmd ||= keyword === "CMD";
      problems.push(...commandProblems(execForm(args), `Dockerfile ${keyword}`));
    } else if (keyword === "RUN") {
      for (const part of args.split(/&&|\|\||;/)) {
        const argv = part.trim().split(/\s+/);
        if (argv[0] === "deno") problems.push(...commandProblems(argv, "Dockerfile RUN"));
      }
    } else if (keyword === "HEALTHCHECK") {
      const argv = execForm(args.replace(/^.*?\bCMD\s+/s, ""));
      problems.push(...commandProblems(argv, "Dockerfile HEALTHCHECK"));
      if (!argv?.join(" ").includes("/health/")) {
        problems.push("Dockerfile HEALTHCHECK: does not probe /health/");
      }
    }
  }
  if (!sawCmd) problems.push("Dockerfile: no CMD");
  const services = parseCompose(sources.compose).services;
  for (const [name, service] of Object.entries<Yaml>(services)) {
    if (!isAppService(service)) continue;
    for (const key of ["command", "entrypoint"]) {
      if (service[key] === undefined) continue;
      const argv = Array.isArray(service[key]) ? service[key] : undefined;
      problems.push(...commandProblems(argv, `compose ${name}.${key}`));
    }
    const test = service.healthcheck?.test;
    if (Array.isArray(test) && test[0] === "CMD") {
      problems.push(...commandProblems(test.slice(1), `compose ${name}.healthcheck`));
    }
  }
  return problems;
}

/** A parsed config value as one would write it in the environment. */
function shown(value: unknown): string {
  if (value instanceof Map) return [...value].map(([k, v]) => `${k}=${v}`).join(",");
  return String(value);
}

/** Whether a parsed config value is empty ("", an empty list or map), so `KEY=` states it. */
function isEmptyValue(value: unknown): boolean {
  if (value instanceof Map || value instanceof Set) return value.size === 0;
  if (Array.isArray(value)) return value.length === 0;
  return String(value) === "";
}

/**
 * Whether `value`, written in .env.example for `key`, states the default: a string, number or
 * boolean default written as itself; a default the config transforms (a list, a map) written
 * in any form the config parses back to it. An empty value states only an empty default,
 * although the config reads it as "the default" whatever that is.
 */
function statesDefault(key: string, value: string, defaultValue: unknown): boolean {
  if (value === "" || typeof defaultValue !== "object" || defaultValue === null) {
    return value === "" ? isEmptyValue(defaultValue) : value === String(defaultValue);
  }
  try {
    assert.deepStrictEqual(
      (parseConfig({ [key]: value }) as Record<string, unknown>)[key],
      defaultValue,
    );
    return true;
  } catch {
    return false;
  }
}

/** Problems with the variables the container files set and .env.example documents. */
function environmentProblems(sources: Sources): string[] {
  const problems: string[] = [];
  const known = new Set(CONFIG_KEYS);
  const defaults = parseConfig({}) as Record<string, unknown>;

  const example = envExampleEntries(sources.envExample);
  for (const [key, { value, documented }] of example) {
    if (!known.has(key) && !INFRA_VARIABLES.has(key)) {
      problems.push(`.env.example: ${key} is not a config key`);
    }
    if (!documented) problems.push(`.env.example: ${key} has no comment saying what it is`);
    if (known.has(key) && !statesDefault(key, value, defaults[key])) {
      problems.push(`.env.example: ${key}=${value} but the default is ${shown(defaults[key])}`);
    }
  }
  for (const key of CONFIG_KEYS) {
    if (!example.has(key)) problems.push(`.env.example: ${key} is not documented`);
  }

  const compose = parseCompose(sources.compose);
  for (const [name, service] of Object.entries<Yaml>(compose.services)) {
    const env = environmentOf(service);
    const app = isAppService(service);
    const imageVariables = IMAGE_VARIABLES[String(service.image ?? "").split(":")[0]];
    for (const [key, value] of Object.entries(env)) {
      if (app ? !known.has(key) : !imageVariables?.has(key)) {
        problems.push(`compose ${name}: sets unknown variable ${key}`);
      }
      if (NEVER_PASSED.has(key)) problems.push(`compose ${name}: passes ${key}`);
      // A pass-through to the app must read the variable of the same name from .env.
      const through = value.match(/^\$\{(\w+):?-[^}]*\}$/);
      if (app && through && through[1] !== key) {
        problems.push(`compose ${name}: ${key} is read from ${through[1]}`);
      }
    }
    if (!app) continue;
    for (const key of CONFIG_KEYS) {
      if (!NEVER_PASSED.has(key) && !(key in env)) {
        problems.push(`compose ${name}: does not pass ${key} through`);
      }
    }
  }
  const uncommented = sources.compose.replace(/^\s*#.*$/gm, "");
  for (const [, variable] of uncommented.matchAll(/\$\{(\w+)/g)) {
    if (!known.has(variable) && !INFRA_VARIABLES.has(variable)) {
      problems.push(`compose: interpolates unknown variable ${variable}`);
    }
  }

  for (const { keyword, args } of parseDockerfile(sources.dockerfile)) {
    if (keyword !== "ENV") continue;
    for (const [, key] of args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)) {
      if (!known.has(key) && !DOCKERFILE_VARIABLES.has(key)) {
        problems.push(`Dockerfile: ENV ${key} is not a config key`);
      }
    }
  }
  return problems;
}

/** Problems with the Deno version: one pin, the same in the image, CI and README. */
function versionProblems(sources: Sources): string[] {
  const from = parseDockerfile(sources.dockerfile).find((i) => i.keyword === "FROM")?.args ?? "";
  const image = from.match(/^denoland\/deno:(?:[a-z]+-)?(\d+\.\d+\.\d+)(?:\s|$)/)?.[1];
  const ci = sources.ciRun.match(/^DENO_VERSION=(\S+)$/m)?.[1];
  if (!image) return [`Dockerfile: FROM ${from} is not a pinned denoland/deno image`];
  const problems: string[] = [];
  if (ci !== image) problems.push(`.ci/run pins Deno ${ci}, the Dockerfile ${image}`);
  const readme = [
    ...sources.readme.matchAll(/deno@(\d+\.\d+\.\d+)/gi),
    ...sources.readme.matchAll(/\bDeno (\d+\.\d+\.\d+)/g),
    ...sources.readme.matchAll(/denoland\/deno:(\d+\.\d+\.\d+)/g),
  ].map((m) => m[1]);
  if (readme.length === 0) problems.push("README: names no Deno version");
  for (const version of readme) {
    if (version !== image) problems.push(`README names Deno ${version}, the Dockerfile ${image}`);
  }
  return problems;
}

/** Problems with the compose topology: pins, persistence, health gating, scaling. */
function topologyProblems(sources: Sources): string[] {
  const problems: string[] = [];
  const compose = parseCompose(sources.compose);
  const services: Record<string, Yaml> = compose.services;
  const shutdownMs = (parseConfig({}) as { SHUTDOWN_TIMEOUT_MS: number }).SHUTDOWN_TIMEOUT_MS;

  for (const name of ["postgres", "redis"]) {
    const image = String(services[name]?.image ?? "");
    if (!/^[a-z0-9/._-]+:\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$/.test(image)) {
      problems.push(`compose ${name}: image ${image || "(none)"} is not pinned to a version`);
    }
    const volumes: string[] = services[name]?.volumes ?? [];
    const named = volumes.some((v) => String(v).split(":")[0] in (compose.volumes ?? {}));
    if (!named) problems.push(`compose ${name}: keeps its data in no named volume`);
  }
  const redisArgs = [services.redis?.command ?? []].flat().join(" ");
  if (!/--appendonly yes\b/.test(redisArgs)) problems.push("compose redis: AOF is not on");
  if (!/--appendfsync everysec\b/.test(redisArgs)) {
    problems.push("compose redis: appendfsync is not everysec");
  }

  const imageHealthcheck = parseDockerfile(sources.dockerfile)
    .some((i) => i.keyword === "HEALTHCHECK" && i.args !== "NONE");
  // An app service inherits the image's health check unless compose disables it.
  const hasHealthcheck = (name: string) => {
    const check = services[name]?.healthcheck;
    if (check?.disable === true) return false;
    return check?.test !== undefined || (isAppService(services[name] ?? {}) && imageHealthcheck);
  };
  for (const name of ["postgres", "redis", "api"]) {
    if (!hasHealthcheck(name)) problems.push(`compose ${name}: has no health check`);
  }

  const expected: Record<string, Record<string, string>> = {
    migrate: { postgres: "service_healthy" },
    api: { migrate: "service_completed_successfully", redis: "service_healthy" },
    worker: { migrate: "service_completed_successfully", redis: "service_healthy" },
  };
  for (const [name, service] of Object.entries(services)) {
    const dependsOn = service.depends_on ?? {};
    if (Array.isArray(dependsOn)) {
      problems.push(`compose ${name}: depends_on without conditions only waits for a start`);
      continue;
    }
    for (const [target, { condition }] of Object.entries<Yaml>(dependsOn)) {
      if (condition === "service_healthy" && !hasHealthcheck(target)) {
        problems.push(`compose ${name}: waits for ${target} to be healthy; it has no check`);
      } else if (
        condition !== "service_healthy" && condition !== "service_completed_successfully"
      ) {
        problems.push(`compose ${name}: depends on ${target} with ${condition}`);
      }
    }
    for (const [target, condition] of Object.entries(expected[name] ?? {})) {
      if (dependsOn[target]?.condition !== condition) {
        problems.push(`compose ${name}: does not wait for ${target} (${condition})`);
      }
    }
  }

  const worker = services.worker ?? {};
  if (worker.container_name !== undefined) problems.push("compose worker: fixed container_name");
  if (worker.ports !== undefined) problems.push("compose worker: publishes a host port");
  if (environmentOf(worker).WORKER_NAME) problems.push("compose worker: fixed WORKER_NAME");

  for (const name of ["api", "worker"]) {
    const grace = String(services[name]?.stop_grace_period ?? "10s").match(/^(\d+)s$/);
    // The API gives itself SHUTDOWN_TIMEOUT_MS + 2 s before it gives up.
    if (!grace || Number(grace[1]) * 1000 <= shutdownMs + 2000) {
      problems.push(`compose ${name}: stop_grace_period is not above SHUTDOWN_TIMEOUT_MS`);
    }
    if (services[name]?.init !== true) problems.push(`compose ${name}: runs without init`);
  }
  return problems;
}

/** The host and port of a `postgres://` URL, or undefined when it is not one. */
function hostOf(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).host : undefined;
  } catch {
    return undefined;
  }
}

/** The container path of each volume a service mounts from a host path, by host path. */
function boundFiles(service: Yaml): Map<string, string> {
  const bound = new Map<string, string>();
  for (const volume of service.volumes ?? []) {
    const [from, to] = String(volume).split(":");
    if (from.startsWith("./")) bound.set(from.slice(2), to);
  }
  return bound;
}

/**
 * Problems with the profile `ha`: HAProxy's committed config names the API replicas on their
 * port and checks /health/; the sentinels run the committed sentinel.conf, which monitors the
 * master the app is told to ask for on the Redis the replica follows; the app reaches Postgres
 * through PgBouncer with what transaction mode needs, and directly for LISTEN and migrations.
 */
function haProblems(sources: Sources): string[] {
  const problems: string[] = [];
  const services: Record<string, Yaml> = parseCompose(sources.compose).services;
  const ha = Object.entries(services).filter(([, s]) => (s.profiles ?? []).includes("ha"));
  const port = String((parseConfig({}) as { PORT: number }).PORT);
  const apis = ha.filter(([, s]) => isAppService(s) && s.command?.join(" ") === "deno task start");
  const workers = ha.filter(([, s]) =>
    isAppService(s) && s.command?.join(" ") === "deno task worker"
  );
  if (apis.length < 2) problems.push("compose ha: fewer than two API replicas");
  if (workers.length === 0) problems.push("compose ha: no worker");

  const haproxy = services.haproxy ?? {};
  if (!(haproxy.profiles ?? []).includes("ha")) problems.push("compose haproxy: not in profile ha");
  if (boundFiles(haproxy).get("deploy/haproxy.cfg") !== "/usr/local/etc/haproxy/haproxy.cfg") {
    problems.push("compose haproxy: does not run deploy/haproxy.cfg");
  }
  if (!/^\s*option httpchk GET \/health\/\s*$/m.test(sources.haproxyCfg)) {
    problems.push("deploy/haproxy.cfg: does not check /health/");
  }
  const servers = [...sources.haproxyCfg.matchAll(/^\s*server\s+\S+\s+(\S+)/gm)].map((m) => m[1]);
  const targets = new Set(servers);
  for (const [name] of apis) {
    if (!targets.has(`${name}:${port}`)) {
      problems.push(`deploy/haproxy.cfg: no server ${name}:${port}`);
    }
    if (!haproxy.depends_on?.[name]) problems.push(`compose haproxy: does not wait for ${name}`);
  }
  for (const target of servers) {
    const [name] = target.split(":");
    if (!apis.some(([api]) => api === name)) {
      problems.push(`deploy/haproxy.cfg: server ${target} is no API replica of profile ha`);
    }
  }
  const instances = apis.map(([, s]) => environmentOf(s).INSTANCE_NAME);
  if (new Set(instances).size !== apis.length || instances.some((i) => !i)) {
    problems.push("compose ha: API replicas without distinct INSTANCE_NAMEs");
  }

  const monitor = sources.sentinelConf.match(/^sentinel monitor (\S+) (\S+) (\d+) (\d+)$/m);
  const sentinelPort = sources.sentinelConf.match(/^port (\d+)$/m)?.[1];
  if (!monitor) problems.push("deploy/sentinel.conf: monitors no master");
  const sentinels = ha.filter(([, s]) => String(s.command ?? "").includes("redis-sentinel"));
  if (sentinels.length < 3) problems.push("compose ha: fewer than three sentinels");
  for (const [name, service] of sentinels) {
    if (!boundFiles(service).has("deploy/sentinel.conf")) {
      problems.push(`compose ${name}: does not run deploy/sentinel.conf`);
    }
  }
  if (monitor && services[monitor[2]] === undefined) {
    problems.push(`deploy/sentinel.conf: monitors ${monitor[2]}, which is no service`);
  }
  const replica = services["redis-replica"]?.command?.join(" ") ?? "";
  if (monitor && !replica.includes(`--replicaof ${monitor[2]} ${monitor[3]}`)) {
    problems.push(`compose redis-replica: does not follow ${monitor[2]}`);
  }

  for (const [name, service] of [...apis, ...workers]) {
    const env = environmentOf(service);
    const pooler = hostOf(env.DATABASE_URL)?.split(":")[0] ?? "";
    if (!String(services[pooler]?.image ?? "").includes("pgbouncer")) {
      problems.push(`compose ${name}: DATABASE_URL does not go through PgBouncer`);
    }
    if (hostOf(env.DATABASE_DIRECT_URL) !== "postgres:5432") {
      problems.push(`compose ${name}: DATABASE_DIRECT_URL is not the postgres service`);
    }
    if (env.DATABASE_PREPARE !== "false") {
      problems.push(`compose ${name}: prepared statements behind a transaction-mode pooler`);
    }
    if (env.REDIS_URL !== "") problems.push(`compose ${name}: REDIS_URL set besides Sentinel`);
    if (monitor && env.REDIS_SENTINEL_MASTER !== monitor[1]) {
      problems.push(`compose ${name}: REDIS_SENTINEL_MASTER is not ${monitor[1]}`);
    }
    const asked = (env.REDIS_SENTINELS ?? "").split(",").filter(Boolean);
    const running = sentinels.map(([sentinel]) => `${sentinel}:${sentinelPort}`);
    if (JSON.stringify(asked.sort()) !== JSON.stringify(running.sort())) {
      problems.push(`compose ${name}: REDIS_SENTINELS are not the sentinels ${running.join(",")}`);
    }
  }
  for (const [name, worker] of workers) {
    if (worker.container_name !== undefined) problems.push(`compose ${name}: fixed container_name`);
    if (worker.ports !== undefined) problems.push(`compose ${name}: publishes a host port`);
    if (environmentOf(worker).WORKER_NAME) problems.push(`compose ${name}: fixed WORKER_NAME`);
  }
  return problems;
}

/** Problems with .dockerignore: secrets and tests out, the image's sources in. */
function dockerignoreProblems(sources: Sources): string[] {
  const patterns = sources.dockerignore.split("\n").map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#") && !l.startsWith("!"))
    .map((p) => p.replace(/^\/|\/$/g, ""));
  const matcher = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
  const excluded = (path: string) => {
    const clean = path.replace(/\/$/, "");
    return patterns.some((p) => matcher(p).test(clean) || matcher(p).test(clean.split("/")[0]));
  };
  const problems: string[] = [];
  for (const path of [".git", "tests", ".env", "node_modules", "bench"]) {
    if (!excluded(path)) problems.push(`.dockerignore: ${path} goes into the image`);
  }
  for (const path of IMAGE_SOURCES) {
    if (excluded(path)) problems.push(`.dockerignore: excludes ${path}, which the image needs`);
  }
  return problems;
}

// --- Tests ------------------------------------------------------------------------------

Deno.test("the container files run only real deno tasks and existing entrypoints", async (t) => {
  const sources = realSources();
  assert.deepEqual(commandsProblems(sources), []);

  await t.step("a compose command naming a task deno.json lacks is reported", () => {
    const compose = drift(sources.compose, `["deno", "task", "worker"]`, `["deno", "task", "wrk"]`);
    assert.deepEqual(commandsProblems({ ...sources, compose }), [
      "compose worker.command: no deno task named wrk",
    ]);
  });
  await t.step("a Dockerfile RUN that checks a missing entrypoint is reported", () => {
    const dockerfile = drift(sources.dockerfile, "scripts/migrate.ts", "scripts/migrations.ts");
    assert.deepEqual(commandsProblems({ ...sources, dockerfile }), [
      "Dockerfile RUN: entrypoint scripts/migrations.ts does not exist",
    ]);
  });
  await t.step("a shell-form CMD, which keeps SIGTERM from deno, is reported", () => {
    const dockerfile = drift(sources.dockerfile, /^CMD .*$/m, "CMD deno task start");
    assert.deepEqual(commandsProblems({ ...sources, dockerfile }), [
      "Dockerfile CMD: shell form; use exec form so signals reach deno",
    ]);
  });
  await t.step("a health check that probes something else than /health/ is reported", () => {
    const dockerfile = drift(sources.dockerfile, "/health/", "/api/schema/");
    assert.deepEqual(commandsProblems({ ...sources, dockerfile }), [
      "Dockerfile HEALTHCHECK: does not probe /health/",
    ]);
  });
});

Deno.test("the container files set only config keys and .env.example documents each default", async (t) => {
  const sources = realSources();
  assert.deepEqual(environmentProblems(sources), []);

  await t.step("a config key missing from .env.example is reported", () => {
    const envExample = drift(sources.envExample, /^WORKER_BATCH_SIZE=.*\n/m, "");
    assert.deepEqual(environmentProblems({ ...sources, envExample }), [
      ".env.example: WORKER_BATCH_SIZE is not documented",
    ]);
  });
  await t.step("a default in .env.example that differs from the config's is reported", () => {
    const envExample = drift(sources.envExample, /^MAX_ATTEMPTS=.*$/m, "MAX_ATTEMPTS=7");
    assert.deepEqual(environmentProblems({ ...sources, envExample }), [
      ".env.example: MAX_ATTEMPTS=7 but the default is 5",
    ]);
  });
  await t.step("a transformed default (a list) is compared as the config parses it", () => {
    const key = "WEBHOOK_RETRY_SCHEDULE_MS";
    const spaced = drift(sources.envExample, /^(WEBHOOK_RETRY_SCHEDULE_MS=.*),/m, "$1, ");
    assert.deepEqual(environmentProblems({ ...sources, envExample: spaced }), []);
    const shorter = drift(sources.envExample, new RegExp(`^${key}=.*$`, "m"), `${key}=0,5000`);
    assert.deepEqual(environmentProblems({ ...sources, envExample: shorter }), [
      `.env.example: ${key}=0,5000 but the default is ${shown(parseConfig({})[key])}`,
    ]);
    const empty = drift(sources.envExample, new RegExp(`^${key}=.*$`, "m"), `${key}=`);
    assert.deepEqual(environmentProblems({ ...sources, envExample: empty }), [
      `.env.example: ${key}= but the default is ${shown(parseConfig({})[key])}`,
    ]);
  });
  await t.step("a misspelt variable in compose is reported where it is set and read", () => {
    const compose = drift(
      sources.compose,
      "LOG_LEVEL: ${LOG_LEVEL:-}",
      "LOG_LEVLE: ${LOG_LEVLE:-}",
    );
    const problems = environmentProblems({ ...sources, compose });
    for (const service of ["migrate", "api", "worker", "seed"]) {
      assertReported(problems, `compose ${service}: sets unknown variable LOG_LEVLE`);
      assertReported(problems, `compose ${service}: does not pass LOG_LEVEL through`);
    }
    assertReported(problems, "compose: interpolates unknown variable LOG_LEVLE");
  });
  await t.step("a pass-through reading another variable is reported", () => {
    const compose = drift(
      sources.compose,
      "WORKER_CONCURRENCY: ${WORKER_CONCURRENCY:-}",
      "WORKER_CONCURRENCY: ${WORKER_BATCH_SIZE:-}",
    );
    const problems = environmentProblems({ ...sources, compose });
    assertReported(problems, "compose worker: WORKER_CONCURRENCY is read from WORKER_BATCH_SIZE");
  });
  await t.step("passing the test-only fault switch is reported", () => {
    const compose = drift(
      sources.compose,
      "  HOST: 0.0.0.0\n",
      "  HOST: 0.0.0.0\n  FAULT_INJECT: x\n",
    );
    assertReported(
      environmentProblems({ ...sources, compose }),
      "compose api: passes FAULT_INJECT",
    );
  });
  await t.step("a Dockerfile ENV the config does not read is reported", () => {
    const dockerfile = drift(sources.dockerfile, /^ENV /m, "ENV DATABSE_URL=x ");
    assert.deepEqual(environmentProblems({ ...sources, dockerfile }), [
      "Dockerfile: ENV DATABSE_URL is not a config key",
    ]);
  });
});

Deno.test("the Deno version is the same in the Dockerfile, .ci/run and README", async (t) => {
  const sources = realSources();
  assert.deepEqual(versionProblems(sources), []);
  const image = sources.dockerfile.match(/^FROM denoland\/deno:(\S+)/m)![1];

  await t.step("a Dockerfile on another version than CI and README is reported", () => {
    const dockerfile = drift(sources.dockerfile, `denoland/deno:${image}`, "denoland/deno:2.0.0");
    const problems = versionProblems({ ...sources, dockerfile });
    assertReported(problems, `.ci/run pins Deno ${image}, the Dockerfile 2.0.0`);
    assertReported(problems, `README names Deno ${image}, the Dockerfile 2.0.0`);
  });
  await t.step("an unpinned base image is reported", () => {
    const dockerfile = drift(sources.dockerfile, `denoland/deno:${image}`, "denoland/deno:latest");
    assert.deepEqual(versionProblems({ ...sources, dockerfile }), [
      "Dockerfile: FROM denoland/deno:latest is not a pinned denoland/deno image",
    ]);
  });
});

Deno.test("compose pins its images, persists Redis, gates start-up on health and lets workers scale", async (t) => {
  const sources = realSources();
  assert.deepEqual(topologyProblems(sources), []);
  const variants: [string, string | RegExp, string, string][] = [
    [
      "a latest tag",
      /( {2}redis:\n {4}image: )redis:\S+/,
      "$1redis:latest",
      "compose redis: image redis:latest is not pinned to a version",
    ],
    [
      "Redis without AOF",
      `"--appendonly", "yes"`,
      `"--appendonly", "no"`,
      "compose redis: AOF is not on",
    ],
    [
      "a dependency waited on as healthy without a health check",
      `test: ["CMD-SHELL", "redis-cli ping | grep -q PONG"]`,
      "disable: true",
      "compose api: waits for redis to be healthy; it has no check",
    ],
    [
      "a start-only dependency",
      /(\n {2}api:\n[\s\S]*?)condition: service_completed_successfully/,
      "$1condition: service_started",
      "compose api: depends on migrate with service_started",
    ],
    [
      "a worker with a container name",
      "  worker:\n",
      "  worker:\n    container_name: worker\n",
      "compose worker: fixed container_name",
    ],
    [
      "a worker with a host port",
      "  worker:\n",
      '  worker:\n    ports: ["9100:9100"]\n',
      "compose worker: publishes a host port",
    ],
    [
      "a grace period below the shutdown timeout",
      "stop_grace_period: 30s",
      "stop_grace_period: 5s",
      "compose api: stop_grace_period is not above SHUTDOWN_TIMEOUT_MS",
    ],
  ];
  for (const [what, from, to, problem] of variants) {
    await t.step(`${what} is reported`, () => {
      const problems = topologyProblems({ ...sources, compose: drift(sources.compose, from, to) });
      assertReported(problems, problem);
    });
  }
});

Deno.test("the ha profile's proxy, sentinels and app settings name each other and real files", async (t) => {
  const sources = realSources();
  assert.deepEqual(haProblems(sources), []);
  const variants: [string, keyof Sources, string | RegExp, string, string][] = [
    [
      "a proxy server that is no replica",
      "haproxyCfg",
      "server api3 api-3:8000",
      "server api3 api-4:8000",
      "deploy/haproxy.cfg: server api-4:8000 is no API replica of profile ha",
    ],
    [
      "a replica the proxy does not know",
      "haproxyCfg",
      /^\s*server api3 .*$/m,
      "",
      "deploy/haproxy.cfg: no server api-3:8000",
    ],
    [
      "another master name in sentinel.conf",
      "sentinelConf",
      "sentinel monitor payouts",
      "sentinel monitor other",
      "compose api-1: REDIS_SENTINEL_MASTER is not other",
    ],
    [
      "the app past the pooler",
      "compose",
      /(x-ha-env:[\s\S]*?DATABASE_URL: \S+)@pgbouncer:5432/,
      "$1@postgres:5432",
      "compose worker-ha: DATABASE_URL does not go through PgBouncer",
    ],
    [
      "a sentinel the app is not told about",
      "compose",
      "sentinel-1:26379,sentinel-2:26379,sentinel-3:26379",
      "sentinel-1:26379,sentinel-2:26379",
      "compose api-2: REDIS_SENTINELS are not the sentinels sentinel-1:26379,sentinel-2:26379,sentinel-3:26379",
    ],
  ];
  for (const [what, file, from, to, problem] of variants) {
    await t.step(`${what} is reported`, () => {
      const drifted = { ...sources, [file]: drift(sources[file], from, to) };
      assertReported(haProblems(drifted), problem);
    });
  }
});

Deno.test(".dockerignore keeps tests and secrets out of the image but not its sources", async (t) => {
  const sources = realSources();
  assert.deepEqual(dockerignoreProblems(sources), []);

  await t.step("letting .env into the build context is reported", () => {
    const dockerignore = drift(sources.dockerignore, /^\.env$/m, "");
    assert.deepEqual(dockerignoreProblems({ ...sources, dockerignore }), [
      ".dockerignore: .env goes into the image",
    ]);
  });
  await t.step("excluding a source directory the image needs is reported", () => {
    const dockerignore = `${sources.dockerignore}migrations/\n`;
    assert.deepEqual(dockerignoreProblems({ ...sources, dockerignore }), [
      ".dockerignore: excludes migrations/, which the image needs",
    ]);
  });
});
