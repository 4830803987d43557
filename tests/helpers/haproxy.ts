/**
 * A private HAProxy (Debian `haproxy`) in front of API processes on loopback, with the
 * health checks and retry rules of the committed deploy/haproxy.cfg: the file is read and
 * only its addresses are replaced, so the tests run the configuration compose ships.
 */
import { accepts, type Daemon, daemonDir, installed, startDaemon } from "./daemon.ts";
import { freePort } from "./processes.ts";

export const HAPROXY = "/usr/sbin/haproxy";
const SHIPPED = new URL("../../deploy/haproxy.cfg", import.meta.url);

export interface HaProxy extends Daemon {
  port: number;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** The backend's retries and redispatches so far, from HAProxy's stats page. */
  backendStats(): Promise<{ retries: number; redispatches: number }>;
}

export function haproxyInstalled(): boolean {
  return installed(HAPROXY);
}

/**
 * deploy/haproxy.cfg for loopback: each section's bind address set to the port `binds`
 * gives for the section's name (`frontend api` → `binds.api`), its `server` lines
 * replaced by one per port of `backends` on 127.0.0.1 with the shipped check options, and
 * Docker's DNS (the resolvers section and the servers' use of it) left out.
 */
export function loopbackConfig(
  shipped: string,
  binds: Record<string, number>,
  backends: number[],
): string {
  const out: string[] = [];
  let section = "";
  let name = "";
  let serverOptions: string | undefined;
  for (const line of shipped.split("\n")) {
    if (/^\S/.test(line)) [section, name] = line.split(/\s+/);
    if (section === "resolvers") continue;
    if (/^\s+bind\s/.test(line)) {
      if (!(name in binds)) throw new Error(`no port given for ${section} ${name}`);
      out.push(`  bind 127.0.0.1:${binds[name]}`);
    } else if (/^\s+server\s/.test(line)) {
      if (serverOptions !== undefined) continue;
      serverOptions = line.trim().split(/\s+/).slice(3).join(" ")
        .replace(/\s*\bresolvers \S+/, "").replace(/\s*\binit-addr \S+/, "");
      backends.forEach((backend, i) =>
        out.push(`  server api${i + 1} 127.0.0.1:${backend} ${serverOptions}`.trimEnd())
      );
    } else {
      out.push(line);
    }
  }
  if (serverOptions === undefined) throw new Error("deploy/haproxy.cfg has no server line");
  return `${out.join("\n").trimEnd()}\n`;
}

/** Starts HAProxy on a free port in front of the API processes listening on `backends`. */
export async function startHaProxy(backends: number[]): Promise<HaProxy> {
  const dir = await daemonDir("haproxy-");
  const port = freePort();
  const statsPort = freePort();
  const config = `${dir}/haproxy.cfg`;
  await Deno.writeTextFile(
    config,
    loopbackConfig(await Deno.readTextFile(SHIPPED), { api: port, stats: statsPort }, backends),
  );
  const daemon = await startDaemon({
    name: "haproxy",
    command: HAPROXY,
    // -db: foreground, logs to stderr; -W would fork a master we would have to track.
    args: ["-db", "-f", config],
    ready: () => accepts(port),
    dir,
  });
  return Object.assign(daemon, {
    port,
    origin: `http://127.0.0.1:${port}`,
    async backendStats() {
      const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
      const [header, ...rows] = csv.replace(/^# /, "").trim().split("\n").map((l) => l.split(","));
      const row = rows.find((r) => r[0] === "api" && r[1] === "BACKEND");
      if (!row) throw new Error(`no api backend in HAProxy's stats:\n${csv}`);
      const field = (name: string) => Number(row[header.indexOf(name)] || 0);
      return { retries: field("wretr"), redispatches: field("wredis") };
    },
  });
}
