/**
 * A real OpenSSH SFTP server, for the tests and for the test bank (`deno task bank`): a
 * private `sshd` on 127.0.0.1 with a throw-away host key and client key, serving only
 * `internal-sftp`, chrooted to a directory that holds the bank's `inbound/` (the service
 * uploads there) and `outbound/` (reports appear there). It can be frozen (SIGSTOP: an
 * outage that accepts TCP but never answers), killed and started again on the same port.
 *
 * By default it lives in a fresh directory that `stop()` removes (tests). Given `dir`, it
 * lives there for good: keys and chroot are made once and reused, so a restarted bank keeps
 * its host key, client key and files, and `stop()` leaves them.
 *
 * sshd wants root (chroot, privilege separation), `/run/sshd`, a chroot whose every path
 * component is owned by root and writable by nobody else, and an existing login user: the
 * helper creates the system user `payout-sftp-test` once if it is missing.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { sleep } from "../../src/runtime/sleep.ts";
import { exists } from "./path_exists.ts";
import { signalTree } from "./process_tree.ts";

const SSHD = "/usr/sbin/sshd";
const USER = "payout-sftp-test";
// /tmp cannot hold the chroot: sshd refuses a chroot under a world-writable directory.
const BASE_DIR = "/run/payout-sftp-test";

/** Where and how to run the server; both optional. */
export interface SftpServerOptions {
  /** The 127.0.0.1 port to listen on; default a free one. */
  port?: number;
  /**
   * A directory to keep the server in across runs (made if missing; it and every folder
   * above it must be owned by root and writable by nobody else, as sshd demands of a
   * chroot). Default: a fresh directory that `stop()` removes.
   */
  dir?: string;
}

export interface SftpServer {
  host: string;
  port: number;
  username: string;
  /** The client's private key, OpenSSH format (ed25519). */
  privateKey: string;
  /** Where that key is on disk (mode 0600, owned by root). */
  privateKeyFile: string;
  /** The directory holding keys, config and chroot. */
  dir: string;
  /** The server's host key fingerprint as `ssh-keygen -l` prints it: `SHA256:<base64>`. */
  hostKeyFingerprint: string;
  /** Local path of the chroot: `join(root, "inbound", name)` is what the bank received. */
  root: string;
  /** The folders as the client sees them. */
  inboundDir: "/inbound";
  outboundDir: "/outbound";
  /** Whether sshd runs (paused or not). */
  readonly running: boolean;
  /** Freezes sshd and every connection it serves (SIGSTOP): TCP connects, nothing answers. */
  pause(): Promise<void>;
  /** Thaws what `pause()` froze. */
  resume(): Promise<void>;
  /** Kills sshd and its connections (SIGKILL) and waits until it has exited; files stay. */
  kill(): Promise<void>;
  /** Starts sshd again on the same port, and waits until it sends its banner. */
  start(): Promise<void>;
  /**
   * Kills sshd and, unless it was started in a kept `dir`, removes the keys, config and
   * chroot. Call it in `finally`.
   */
  stop(): Promise<void>;
  /** What sshd wrote to stderr (`-e`), for failure messages. */
  output(): string;
}

/**
 * Starts a private sshd serving SFTP and waits until it answers.
 * @throws Error if sshd cannot run here (see {@linkcode sshdProblem}), `dir` is not fit for a
 *   chroot, or sshd does not start (its own words in the message).
 */
export async function startSftpServer(options: SftpServerOptions = {}): Promise<SftpServer> {
  const problem = await sshdProblem();
  if (problem !== undefined) throw new Error(problem);
  const { uid, gid } = await ensureUser();
  await Deno.mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  if (options.dir !== undefined) {
    const dir = resolve(options.dir);
    await Deno.mkdir(dir, { recursive: true, mode: 0o755 });
    await assertChrootable(dir);
    return await startIn(dir, { uid, gid, port: options.port, keep: true });
  }
  await Deno.mkdir(BASE_DIR, { recursive: true, mode: 0o755 });
  const dir = await Deno.makeTempDir({ dir: BASE_DIR, prefix: "sshd_" });
  try {
    return await startIn(dir, { uid, gid, port: options.port, keep: false });
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
}

/**
 * Why sshd cannot run here, as one line saying what to do, or undefined when it can: the
 * OpenSSH server must be installed and we must be root.
 */
export async function sshdProblem(): Promise<string | undefined> {
  for (const binary of [SSHD, "/usr/bin/ssh-keygen"]) {
    try {
      await Deno.stat(binary);
    } catch {
      return `${binary} is missing: install the Debian package openssh-server ` +
        "(apt-get install -y openssh-server)";
    }
  }
  if (Deno.uid() !== 0) {
    return "sshd chroots the drop, which needs root: run this as root (e.g. with sudo)";
  }
  return undefined;
}

// sshd refuses, at login, a chroot below a folder that is not root's or that others can
// write to; said here, before start, rather than as a failed login later.
async function assertChrootable(dir: string): Promise<void> {
  for (let path = dir;; path = dirname(path)) {
    const info = await Deno.stat(path);
    if (info.uid !== 0 || ((info.mode ?? 0) & 0o022) !== 0) {
      throw new Error(
        `${path} must be owned by root and writable by nobody else for sshd to chroot ` +
          `below it (it is uid ${info.uid}, mode ${((info.mode ?? 0) & 0o777).toString(8)})`,
      );
    }
    if (path === dirname(path)) return;
  }
}

async function startIn(
  dir: string,
  options: { uid: number; gid: number; port?: number; keep: boolean },
): Promise<SftpServer> {
  // makeTempDir makes 0700; the user's session must traverse it to reach the chroot and
  // to let sshd read authorized_keys as that user.
  await Deno.chmod(dir, 0o755);
  const root = join(dir, "chroot");
  await Deno.mkdir(root, { recursive: true, mode: 0o755 });
  await Deno.chmod(root, 0o755);
  for (const folder of ["inbound", "outbound"]) {
    await Deno.mkdir(join(root, folder), { recursive: true, mode: 0o755 });
    await Deno.chown(join(root, folder), options.uid, options.gid);
  }
  const hostKey = join(dir, "host_ed25519");
  const clientKey = join(dir, "client_ed25519");
  for (const [key, comment] of [[hostKey, "test-host"], [clientKey, "test-client"]]) {
    // A kept directory keeps its keys: the service's pinned host key and key file stay good.
    if (await exists(key) && await exists(`${key}.pub`)) continue;
    await Deno.remove(key).catch(() => {});
    await Deno.remove(`${key}.pub`).catch(() => {});
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key]);
  }
  const authorizedKeys = join(dir, "authorized_keys");
  await Deno.copyFile(`${clientKey}.pub`, authorizedKeys);
  await Deno.chmod(authorizedKeys, 0o644);
  const fingerprint = (await run("ssh-keygen", ["-l", "-E", "sha256", "-f", `${hostKey}.pub`]))
    .split(" ")[1];

  const port = options.port ?? freePort();
  const config = join(dir, "sshd_config");
  const pidFile = join(dir, "sshd.pid");
  if (options.keep) await killLeftover(pidFile, config);
  await Deno.writeTextFile(config, sshdConfig({ port, hostKey, authorizedKeys, root }));
  // Fail now with sshd's own words if the config is wrong, rather than time out below.
  await run(SSHD, ["-t", "-f", config]);

  let child: { process: Deno.ChildProcess; status: Promise<Deno.CommandStatus> } | undefined;
  let log = "";
  const start = async () => {
    if (child) throw new Error("sshd is already running");
    const process = new Deno.Command(SSHD, {
      args: ["-D", "-e", "-f", config],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const drained = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of process.stderr) log += decoder.decode(chunk, { stream: true });
    })();
    child = { process, status: process.status.then(async (s) => (await drained, s)) };
    if (options.keep) await Deno.writeTextFile(pidFile, `${process.pid}\n`);
    let exited = false;
    child.status.then(() => exited = true);
    try {
      const deadline = Date.now() + 10_000;
      while (!exited && !(await hasBanner(port))) {
        if (Date.now() > deadline) {
          throw new Error(`no banner from sshd on port ${port} within 10 s`);
        }
        await sleep(50);
      }
      if (exited) throw new Error("sshd exited");
    } catch (error) {
      await kill();
      throw new Error(`sshd did not start: ${(error as Error).message}; sshd said: ${log}`);
    }
  };
  const kill = async () => {
    if (!child) return;
    const { process, status } = child;
    child = undefined;
    // Its connections too: they are processes of their own, and a crash takes them along.
    await signalTree(process.pid, "SIGKILL");
    await status;
    if (options.keep) await Deno.remove(pidFile).catch(() => {});
  };
  const signal = async (name: Deno.Signal) => {
    if (!child) throw new Error("sshd is not running");
    await signalTree(child.process.pid, name);
  };

  await start();
  return {
    host: "127.0.0.1",
    port,
    username: USER,
    privateKey: await Deno.readTextFile(clientKey),
    privateKeyFile: clientKey,
    dir,
    hostKeyFingerprint: fingerprint,
    root,
    inboundDir: "/inbound",
    outboundDir: "/outbound",
    get running() {
      return child !== undefined;
    },
    pause: () => signal("SIGSTOP"),
    resume: () => signal("SIGCONT"),
    kill,
    start,
    async stop() {
      try {
        await kill();
      } finally {
        if (!options.keep) await Deno.remove(dir, { recursive: true });
      }
    },
    output: () => log,
  };
}

// An sshd of an earlier run in a kept directory whose owner died without stopping it (it
// would hold the port): recognised by its config path on its command line.
async function killLeftover(pidFile: string, config: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await Deno.readTextFile(pidFile)).trim());
  } catch {
    return;
  }
  const commandLine = async () => {
    const ps = await new Deno.Command("ps", { args: ["-p", String(pid), "-o", "args="] })
      .output();
    return ps.success ? new TextDecoder().decode(ps.stdout) : "";
  };
  if (Number.isInteger(pid) && pid > 1 && (await commandLine()).includes(`-f ${config}`)) {
    await signalTree(pid, "SIGKILL");
    const deadline = Date.now() + 5_000;
    while ((await commandLine()).includes(`-f ${config}`) && Date.now() < deadline) await sleep(20);
  }
  await Deno.remove(pidFile).catch(() => {});
}

function sshdConfig(
  options: { port: number; hostKey: string; authorizedKeys: string; root: string },
): string {
  return [
    `Port ${options.port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${options.hostKey}`,
    "PidFile none",
    // No PAM stack in a test container; key auth is all we need.
    "UsePAM no",
    "StrictModes yes",
    `AllowUsers ${USER}`,
    `AuthorizedKeysFile ${options.authorizedKeys}`,
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin no",
    "PermitTTY no",
    "AllowTcpForwarding no",
    "AllowAgentForwarding no",
    "X11Forwarding no",
    "Subsystem sftp internal-sftp",
    // The bank's files readable by all, writable only by the user, like a real server's.
    "ForceCommand internal-sftp -u 0022",
    `ChrootDirectory ${options.root}`,
    // Tests open many connections in quick succession; the default throttles after 10.
    "MaxStartups 100",
    "LogLevel INFO",
    "",
  ].join("\n");
}

/** The test user's ids, creating the user first if needed (a no-login system account). */
async function ensureUser(): Promise<{ uid: number; gid: number }> {
  const existing = await userIds();
  if (existing !== undefined) return existing;
  // "*" instead of useradd's default "!": sshd without PAM refuses accounts marked locked.
  const created = await new Deno.Command("useradd", {
    args: ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "-p", "*", USER],
    stdout: "null",
    stderr: "piped",
  }).output();
  // Another test file may have created it at the same moment.
  const ids = await userIds();
  if (ids === undefined) {
    throw new Error(`useradd ${USER} failed: ${new TextDecoder().decode(created.stderr)}`);
  }
  return ids;
}

async function userIds(): Promise<{ uid: number; gid: number } | undefined> {
  const id = async (flag: string) => {
    const result = await new Deno.Command("id", { args: [flag, USER], stderr: "null" }).output();
    return result.success ? Number(new TextDecoder().decode(result.stdout).trim()) : undefined;
  };
  const uid = await id("-u");
  const gid = await id("-g");
  return uid === undefined || gid === undefined ? undefined : { uid, gid };
}

async function run(command: string, args: string[]): Promise<string> {
  const result = await new Deno.Command(command, { args, stdin: "null" }).output();
  const decoder = new TextDecoder();
  if (!result.success) {
    throw new Error(`${command} ${args.join(" ")} failed: ${decoder.decode(result.stderr)}`);
  }
  return decoder.decode(result.stdout);
}

/** A free TCP port on 127.0.0.1. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Whether something on `port` sends an SSH banner within a short wait. */
async function hasBanner(port: number): Promise<boolean> {
  let conn: Deno.TcpConn | undefined;
  const timer = setTimeout(() => conn?.close(), 1_000);
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const buffer = new Uint8Array(64);
    const n = await conn.read(buffer);
    return n !== null && new TextDecoder().decode(buffer.subarray(0, n)).startsWith("SSH-");
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch {
      // closed by the timer
    }
  }
}
