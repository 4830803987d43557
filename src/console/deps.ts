/** Builds the console's services from the connections and services the API already has. */
import type { Redis } from "ioredis";
import type { ApiKeyService } from "../apikeys/apikeys.service.ts";
import type { Db } from "../db/types.ts";
import type { PayoutService } from "../payouts/payouts.service.ts";
import type { StreamNames } from "../queue/stream_names.ts";
import type { WebhookEndpointService } from "../webhooks/webhook_endpoints.service.ts";
import type { ConsoleDeps } from "./handlers.tsx";
import { ConsoleOverviewService } from "./overview.service.ts";
import { ConsolePayoutService } from "./payouts.service.ts";
import { ConsoleQueueService } from "./queues.service.ts";
import { ConsoleSessionService } from "./sessions.service.ts";

export interface ConsoleWiring {
  sql: Db;
  redis: Redis;
  names: StreamNames;
  apiKeys: ApiKeyService;
  payouts: PayoutService;
  webhooks: WebhookEndpointService;
  /** CONSOLE_SESSION_TTL_MS. */
  sessionTtlMs: number;
}

/** The console's services over these connections; connects to nothing itself. */
export function buildConsole(wiring: ConsoleWiring): ConsoleDeps {
  const { sql, redis, names } = wiring;
  return {
    sessions: new ConsoleSessionService({
      sql,
      apiKeys: wiring.apiKeys,
      ttlMs: wiring.sessionTtlMs,
    }),
    overview: new ConsoleOverviewService({ sql, redis, names }),
    payouts: new ConsolePayoutService({ sql, redis, names, payouts: wiring.payouts }),
    queues: new ConsoleQueueService({ sql, redis, names, webhooks: wiring.webhooks }),
  };
}
