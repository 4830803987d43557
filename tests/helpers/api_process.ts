/**
 * The API started as a real process (main.ts) on its own database and streams, for the
 * tests that reach it over the network, as a browser does.
 */
import assert from "node:assert/strict";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { type ChildProcess, freePort, spawnEntrypoint } from "./processes.ts";
import { createTestStreams, streamEnv, type TestStreams } from "./redis.ts";
import { waitFor } from "./wait.ts";

export interface ApiProcess {
  db: TestDatabase;
  streams: TestStreams;
  /** `http://127.0.0.1:PORT`, where the API listens. */
  origin: string;
  process: ChildProcess;
}

/**
 * Starts the API on a free port, with `env` over the test settings, and runs `fn` once it
 * answers its health check. Afterwards the API must stop with exit code 0 on SIGTERM; the
 * database and streams are removed.
 */
export async function withApiProcess(
  fn: (api: ApiProcess) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const db = await createTestDatabase();
  const streams = createTestStreams();
  const port = freePort();
  const origin = `http://127.0.0.1:${port}`;
  const api = spawnEntrypoint("main.ts", {
    DATABASE_URL: db.url,
    ...streamEnv(streams.names),
    HOST: "127.0.0.1",
    PORT: String(port),
    ...env,
  });
  try {
    await waitFor(async () => {
      const response = await fetch(`${origin}/health/`);
      await response.body?.cancel();
      return response.status === 200;
    }, { timeoutMs: 30_000, message: `the API to answer\n${api.output()}` });
    await fn({ db, streams, origin, process: api });
  } finally {
    const exit = await api.stop("SIGTERM");
    assert.equal(exit.code, 0, api.output());
    await streams.cleanup();
    await db.drop();
  }
}
