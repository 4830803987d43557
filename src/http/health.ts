/** `/health/`: 200 when Postgres and Redis answer, 503 naming the failing check. */
import type { Hono } from "hono";
import type { AppEnv } from "./request_context.ts";
import { problem, sendProblem } from "./problem.ts";

export type Check = () => Promise<unknown>;

const CHECK_TIMEOUT_MS = 2000;

async function run(check: Check): Promise<"ok" | "down"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"down">((resolve) => {
    timer = setTimeout(() => resolve("down"), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => "ok" as const, () => "down" as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function mountHealth(app: Hono<AppEnv>, checks: Record<string, Check>): void {
  app.get("/health", async (c) => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => run(checks[name])));
    const report = Object.fromEntries(names.map((name, i) => [name, results[i]]));
    const failing = names.filter((_, i) => results[i] !== "ok");
    c.header("Cache-Control", "no-store");
    if (failing.length === 0) return c.json({ status: "ok", checks: report }, 200);
    const body = problem(503, "dependency_down", `Unavailable: ${failing.join(", ")} down.`);
    return sendProblem(c, { ...body, checks: report } as typeof body);
  });
}
