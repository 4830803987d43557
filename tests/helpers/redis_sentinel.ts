/**
 * A private Redis master, one replica and three sentinels (Debian's `redis-server` and
 * `redis-sentinel`) on free loopback ports, with throwaway configs and logs in a temp dir and
 * nothing kept on disk. `failover()` makes the sentinels promote the replica; `stop()` kills
 * everything and removes the dir, also after a failed start.
 */
import { freePort } from "./processes.ts";
import { commandOnce } from "./redis_server.ts";
import { waitFor } from "./wait.ts";

const REDIS_SERVER = "/usr/bin/redis-server";
const REDIS_SENTINEL = "/usr/bin/redis-sentinel";
const MASTER_NAME = "payouts";
/** Generous for two shared, noisy cores: a missed PING must not start a failover. */
const DOWN_AFTER_MS = 2000;
const TIMEOUT_MS = 60_000;
/** How long the replica stalls before the master is killed, and after. */
const STALL_BEFORE_KILL_MS = 500;
const STALL_AFTER_KILL_MS = 500;

export interface RedisSentinelSet {
  /** The name the sentinels monitor the master by. */
  masterName: string;
  /** The sentinels' ports. */
  sentinelPorts: number[];
  /**
   * What a process needs to connect through the sentinels (REDIS_URL cleared, since the
   * test helpers set it by default): one object to merge into any process's env.
   */
  env: Record<string, string>;
  /** The port of the master as every sentinel names it (they agree). */
  masterPort(): Promise<number>;
  /**
   * Makes the replica the master and waits until every sentinel names it and it answers as
   * master. `kill`: SIGKILL the master (it stays down) while the replica is stalled, so the
   * master's last writes of about half a second never reach it (as a replica lagging under
   * load would lose them: replication is asynchronous); `sentinel`: SENTINEL FAILOVER, and
   * waits until the old master is a replica of the new one too (writes it took between the
   * promotion and then are dropped: Sentinel's own window, which the service rides out).
   */
  failover(how: "kill" | "sentinel"): Promise<{ from: number; to: number; promotedMs: number }>;
  /**
   * Waits until the sentinels could fail over (again): after SENTINEL FAILOVER, once the old
   * master replicates from the new one and the sentinels have seen it do so.
   */
  waitUntilReady(): Promise<void>;
  /** The tail of every instance's log, for a failed assertion's message. */
  logs(): string;
  /** Kills every instance and removes the temp dir; call it in `finally`. */
  stop(): Promise<void>;
}

/** True (after a warning) when the Debian binaries are missing, so the test must be skipped. */
export function sentinelMissing(what: string): boolean {
  const missing = [REDIS_SERVER, REDIS_SENTINEL].filter((path) => {
    try {
      return !Deno.statSync(path).isFile;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return false;
  console.warn(
    `\n!!! SKIPPING ${what}: ${missing.join(" and ")} missing. ` +
      "Install them with `apt-get install -y redis-server redis-sentinel` to run it. !!!\n",
  );
  return true;
}

interface Instance {
  port: number;
  log: string;
  process: Deno.ChildProcess;
  status: Promise<Deno.CommandStatus>;
}

/** Starts master, replica and sentinels and waits until the sentinels could fail over. */
export async function startRedisSentinels(): Promise<RedisSentinelSet> {
  const dir = await Deno.makeTempDir({ prefix: "redis-sentinel-" });
  const instances: Instance[] = [];
  const start = async (binary: string, port: number, lines: string[]) => {
    const conf = `${dir}/${port}.conf`;
    const log = `${dir}/${port}.log`;
    const common = [`port ${port}`, "bind 127.0.0.1", "daemonize no", `dir ${dir}`];
    await Deno.writeTextFile(conf, [...common, `logfile ${log}`, ...lines].join("\n") + "\n");
    const process = new Deno.Command(binary, {
      args: [conf],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const instance = { port, log, process, status: process.status };
    instances.push(instance);
    return instance;
  };
  const kill = async (instance: Instance) => {
    try {
      instance.process.kill("SIGKILL");
    } catch {
      // already exited
    }
    await instance.status;
  };
  const stop = async () => {
    await Promise.all(instances.map(kill));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const logs = () =>
    instances.map(({ port, log }) => {
      let text = "";
      try {
        text = Deno.readTextFileSync(log).split("\n").slice(-15).join("\n");
      } catch {
        text = "(no log)";
      }
      return `--- ${port}\n${text}`;
    }).join("\n");

  try {
    // DEBUG SLEEP stalls the replica (loopback clients only).
    const data = ['save ""', "appendonly no", "loglevel notice", "enable-debug-command local"];
    const master = await start(REDIS_SERVER, freePort(), data);
    const replica = await start(REDIS_SERVER, freePort(), [
      ...data,
      `replicaof 127.0.0.1 ${master.port}`,
    ]);
    await waitFor(
      async () =>
        /master_link_status:up/.test(await ask(replica.port, "INFO", "replication") as string),
      {
        timeoutMs: TIMEOUT_MS,
        message: "the replica to sync with the master",
      },
    );
    const sentinels = await Promise.all([0, 1, 2].map(() =>
      start(REDIS_SENTINEL, freePort(), [
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
        `sentinel failover-timeout ${MASTER_NAME} 10000`,
        `sentinel parallel-syncs ${MASTER_NAME} 1`,
      ])
    ));
    const sentinelPorts = sentinels.map((sentinel) => sentinel.port);
    const ready = async () => {
      await waitFor(() => allSentinels(sentinelPorts, readyToFailOver), {
        timeoutMs: TIMEOUT_MS,
        message: "every sentinel to see the master, a replica and the other sentinels",
      });
    };
    await ready();

    const masterPort = async () => {
      const ports = await Promise.all(sentinelPorts.map((port) => namedMaster(port)));
      if (ports.some((port) => port !== ports[0])) {
        throw new Error(`the sentinels disagree on the master: ${ports.join(", ")}`);
      }
      return ports[0];
    };
    const byPort = (port: number) => instances.find((instance) => instance.port === port)!;
    return {
      masterName: MASTER_NAME,
      sentinelPorts,
      env: {
        REDIS_URL: "",
        REDIS_SENTINELS: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(","),
        REDIS_SENTINEL_MASTER: MASTER_NAME,
      },
      masterPort,
      async failover(how) {
        const from = await masterPort();
        const to = [master.port, replica.port].find((port) => port !== from)!;
        const started = performance.now();
        if (how === "kill") {
          const seconds = (STALL_BEFORE_KILL_MS + STALL_AFTER_KILL_MS) / 1000;
          const stalled = ask(to, "DEBUG", "SLEEP", String(seconds));
          await new Promise((resolve) => setTimeout(resolve, STALL_BEFORE_KILL_MS));
          await kill(byPort(from));
          await stalled;
        } else await ask(sentinelPorts[0], "SENTINEL", "FAILOVER", MASTER_NAME);
        await waitFor(
          async () =>
            await allSentinels(sentinelPorts, async (port) => await namedMaster(port) === to) &&
            (await ask(to, "ROLE") as string[])[0] === "master",
          { timeoutMs: TIMEOUT_MS, intervalMs: 100, message: `the sentinels to promote ${to}` },
        ).catch((error) => {
          throw new Error(`${error.message}\n${logs()}`);
        });
        const promotedMs = Math.round(performance.now() - started);
        // Until Sentinel demotes it, the old master takes writes that its resync will drop.
        if (how === "sentinel") {
          await waitFor(async () => (await ask(from, "ROLE") as string[])[0] === "slave", {
            timeoutMs: TIMEOUT_MS,
            intervalMs: 100,
            message: `the sentinels to demote ${from}`,
          });
        }
        return { from, to, promotedMs };
      },
      waitUntilReady: ready,
      logs,
      stop,
    };
  } catch (error) {
    const message = `${error instanceof Error ? error.message : error}\n${logs()}`;
    await stop();
    throw new Error(message);
  }
}

/** Whether `check` holds on every sentinel. */
async function allSentinels(
  ports: number[],
  check: (port: number) => Promise<boolean>,
): Promise<boolean> {
  return (await Promise.all(ports.map(check))).every(Boolean);
}

/** The master's port as the sentinel on `port` names it. */
async function namedMaster(port: number): Promise<number> {
  const [, masterPort] = await ask(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME) as [
    string,
    string,
  ];
  return Number(masterPort);
}

// The sentinel knows a healthy master, a replica linked to it, the two other sentinels, and
// has the quorum and majority a failover needs.
async function readyToFailOver(port: number): Promise<boolean> {
  const master = fields(await ask(port, "SENTINEL", "MASTER", MASTER_NAME) as string[]);
  const replicas = (await ask(port, "SENTINEL", "REPLICAS", MASTER_NAME) as string[][]).map(fields);
  const quorum = await ask(port, "SENTINEL", "CKQUORUM", MASTER_NAME).catch(() => "");
  return master.flags === "master" && Number(master["num-other-sentinels"]) === 2 &&
    replicas.some((replica) =>
      replica.flags === "slave" && replica["master-link-status"] === "ok"
    ) &&
    String(quorum).startsWith("OK");
}

function fields(flat: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[flat[i]] = flat[i + 1];
  return record;
}

/** One command on a short-lived connection to 127.0.0.1:`port`. */
function ask(port: number, command: string, ...args: string[]): Promise<unknown> {
  return commandOnce(`redis://127.0.0.1:${port}`, command, ...args);
}
