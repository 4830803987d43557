/** `/health/`: 200 when Postgres and Redis answer, 503 naming the failing check. */
import type { Hono } from "hono";
import type { AppEnv } from "./request_context.ts";
import { withTimeout } from "../runtime/with_timeout.ts";
import { problem, sendProblem } from "./problem.ts";

export type Check = () => Promise<unknown>;

const CHECK_TIMEOUT_MS = 2000;

function run(check: Check, name: string): Promise<"ok" | "down"> {
  return withTimeout(check(), CHECK_TIMEOUT_MS, name).then(() => "ok", () => "down");
}

export function mountHealth(app: Hono<AppEnv>, checks: Record<string, Check>): void {
  app.get("/health", async (c) => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => run(checks[name], name)));
    const report = Object.fromEntries(names.map((name, i) => [name, results[i]]));
    const failing = names.filter((_, i) => results[i] !== "ok");
    c.header("Cache-Control", "no-store");
    if (failing.length === 0) return c.json({ status: "ok", checks: report }, 200);
    const body = problem(503, "dependency_down", `Unavailable: ${failing.join(", ")} down.`);
    return sendProblem(c, { ...body, checks: report } as typeof body);
  });
}
