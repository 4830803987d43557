/**
 * Readings from /proc: CPU time of processes and of the machine, peak memory, and what the
 * machine is. Deno grants /proc only with --allow-all, so the files are read through
 * `cat` (the benchmark may run subprocesses); children measure themselves with
 * process.cpuUsage().
 */
import process from "node:process";

/** USER_HZ: the unit of CPU times in /proc (100 on every Linux architecture Deno runs on). */
export const TICKS_PER_SECOND = 100;

/** The text of a /proc file; undefined if it is gone (the process exited). */
export async function readProc(path: string): Promise<string | undefined> {
  const { code, stdout } = await new Deno.Command("cat", {
    args: [path],
    stdout: "piped",
    stderr: "null",
  }).output();
  return code === 0 ? new TextDecoder().decode(stdout) : undefined;
}

async function statFields(pid: number): Promise<string[] | undefined> {
  const text = await readProc(`/proc/${pid}/stat`);
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  return text?.slice(text.lastIndexOf(")") + 2).trim().split(/\s+/);
}

/** utime + stime of a live process in ticks; undefined once it has exited. */
export async function processTicks(pid: number): Promise<number | undefined> {
  const fields = await statFields(pid);
  // Fields after the name start at field 3; utime and stime are fields 14 and 15.
  return fields ? Number(fields[11]) + Number(fields[12]) : undefined;
}

/**
 * CPU time of the benchmark's children that have exited and been waited for (cutime +
 * cstime of this process, as getrusage(RUSAGE_CHILDREN) reports), in ticks.
 */
export async function reapedChildrenTicks(): Promise<number> {
  const fields = await statFields(Deno.pid);
  return fields ? Number(fields[13]) + Number(fields[14]) : 0;
}

/** Busy and total ticks of the whole machine, all cores together. */
export async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readProc("/proc/stat"))?.split("\n")[0] ?? "cpu 0 0 0 0";
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = values[3] + (values[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** Peak resident set size (VmHWM) of a live process in MB; undefined once it has exited. */
export async function peakRssMb(pid: number): Promise<number | undefined> {
  const status = await readProc(`/proc/${pid}/status`);
  const match = status ? /^VmHWM:\s+(\d+) kB/m.exec(status) : null;
  return match ? Math.round(Number(match[1]) / 102.4) / 10 : undefined;
}

/** CPU use over a wall-clock interval, as a percentage of one core. */
export function cpuPercent(ticks: number, seconds: number): number {
  return seconds > 0 ? Math.round((ticks / TICKS_PER_SECOND / seconds) * 1000) / 10 : 0;
}

/** This process's own CPU time so far, in ticks (for the benchmark's child processes). */
export function ownTicks(): number {
  const { user, system } = process.cpuUsage();
  return ((user + system) / 1e6) * TICKS_PER_SECOND;
}

export interface CpuReading {
  seconds: number;
  /** Each pid still alive: % of one core. */
  processes: Map<number, number>;
  /** Children reaped meanwhile: % of one core. */
  reaped: number;
  /** The machine's busy share, % of all cores. */
  machine: number;
}

/** Sum of the CPU shares of `pids` in a reading (those that lived through it). */
export function sumPercent(reading: CpuReading, pids: number[]): number {
  const sum = pids.reduce((total, pid) => total + (reading.processes.get(pid) ?? 0), 0);
  return Math.round(sum * 10) / 10;
}

/** Measures the CPU of some processes, of reaped children and of the machine. */
export class CpuMeter {
  private constructor(
    private readonly pids: number[],
    private readonly startTicks: Map<number, number>,
    private readonly startMachine: { busy: number; total: number },
    private readonly startChildren: number,
    private readonly started: number,
  ) {}

  static async start(pids: number[]): Promise<CpuMeter> {
    const ticks = await Promise.all(pids.map(async (pid) => (await processTicks(pid)) ?? 0));
    return new CpuMeter(
      pids,
      new Map(pids.map((pid, i) => [pid, ticks[i]])),
      await machineTicks(),
      await reapedChildrenTicks(),
      performance.now(),
    );
  }

  /** Ends the measurement; `newPids` are processes started meanwhile (counted from 0). */
  async stop(newPids: number[] = []): Promise<CpuReading> {
    const seconds = (performance.now() - this.started) / 1000;
    const processes = new Map<number, number>();
    for (const pid of new Set([...this.pids, ...newPids])) {
      const now = await processTicks(pid);
      if (now !== undefined) {
        processes.set(pid, cpuPercent(now - (this.startTicks.get(pid) ?? 0), seconds));
      }
    }
    const machine = await machineTicks();
    const total = machine.total - this.startMachine.total;
    return {
      seconds,
      processes,
      reaped: cpuPercent((await reapedChildrenTicks()) - this.startChildren, seconds),
      machine: total > 0
        ? Math.round(((machine.busy - this.startMachine.busy) / total) * 1000) / 10
        : 0,
    };
  }
}

export interface MachineInfo {
  nproc: number;
  cpu_model: string;
  memory_mb: number;
  os: string;
  deno: string;
}

/** What the benchmark ran on. */
export async function machineInfo(): Promise<MachineInfo> {
  const cpuinfo = (await readProc("/proc/cpuinfo")) ?? "";
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  const meminfo = (await readProc("/proc/meminfo")) ?? "";
  const memKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0);
  return {
    nproc: navigator.hardwareConcurrency,
    cpu_model: model,
    memory_mb: Math.round(memKb / 1024),
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    deno: Deno.version.deno,
  };
}
