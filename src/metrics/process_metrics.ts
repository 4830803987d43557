/**
 * A few process metrics read through Deno's own APIs. prom-client's default metrics read
 * /proc files and Node internals that Deno does not provide (they report zeros or NaN)
 * and start an event-loop monitor at registration, so they are not used.
 */
import process from "node:process";
import { Counter, Gauge, type Registry } from "prom-client";

/** Registers process start time, memory and CPU time on `registry`. */
export function registerProcessMetrics(registry: Registry): void {
  new Gauge({
    name: "process_start_time_seconds",
    help: "Start time of the process since the Unix epoch, in seconds.",
    registers: [registry],
    collect() {
      this.set(Math.floor(performance.timeOrigin) / 1000);
    },
  });
  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    registers: [registry],
    collect() {
      this.set(Deno.memoryUsage().rss);
    },
  });
  new Gauge({
    name: "process_heap_used_bytes",
    help: "JavaScript heap in use, in bytes.",
    registers: [registry],
    collect() {
      this.set(Deno.memoryUsage().heapUsed);
    },
  });
  new Counter({
    name: "process_cpu_seconds_total",
    help: "User and system CPU time spent, in seconds.",
    registers: [registry],
    collect() {
      const { user, system } = process.cpuUsage();
      this.reset();
      this.inc((user + system) / 1e6);
    },
  });
}

/**
 * Puts `instance="<name>"` on every metric of `registry`, so that the series of replicas
 * scraped side by side (or pushed through one gateway) stay apart. Nothing when empty.
 */
export function labelInstance(registry: Registry, instance: string | undefined): void {
  if (instance) registry.setDefaultLabels({ instance });
}
