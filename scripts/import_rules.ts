/**
 * Which parts of src/ each part may import (see scripts/check_imports.ts). `null` checks
 * for loops only. To start from what the tree imports today:
 *
 *     deno run --allow-read scripts/check_imports.ts --rules > scripts/import_rules.ts
 *
 * then delete what no part should import.
 *
 * @module
 */

import type { ImportRules } from "./check_imports.ts";

export const ALLOWED: ImportRules | null = {
  "api_routes.ts": [
    "apikeys",
    "http",
    "payouts",
    "recipients",
    "webhooks",
  ],
  "apikeys": [
    "db",
    "hash.ts",
  ],
  "app.ts": [
    "api_routes.ts",
    "apikeys",
    "console",
    "http",
    "log.ts",
    "payouts",
    "recipients",
    "webhooks",
  ],
  "bank_accounts": [],
  "config.ts": [
    "connectors",
    "payouts",
    "redis.ts",
  ],
  "connectors": [
    "db",
    "hash.ts",
    "ids.ts",
    "log.ts",
    "payouts",
    "runtime",
  ],
  "console": [
    "apikeys",
    "connectors",
    "db",
    "errors.ts",
    "hash.ts",
    "http",
    "ids.ts",
    "ops",
    "payouts",
    "queue",
    "webhooks",
  ],
  "db": [
    "hash.ts",
  ],
  "errors.ts": [],
  "events": [],
  "hash.ts": [],
  "http": [
    "apikeys",
    "errors.ts",
    "log.ts",
    "preconditions.ts",
    "runtime",
  ],
  "idempotency": [
    "db",
    "errors.ts",
    "hash.ts",
  ],
  "ids.ts": [],
  "log.ts": [],
  "metrics": [
    "connectors",
    "hash.ts",
    "http",
    "log.ts",
    "ops",
    "queue",
    "runtime",
    "webhooks",
    "worker",
  ],
  "ops": [
    "db",
    "payouts",
    "queue",
    "runtime",
    "webhooks",
  ],
  "payouts": [
    "bank_accounts",
    "db",
    "errors.ts",
    "events",
    "http",
    "idempotency",
    "ids.ts",
    "preconditions.ts",
    "queue",
    "runtime",
  ],
  "preconditions.ts": [],
  "queue": [
    "db",
    "ids.ts",
    "log.ts",
    "runtime",
  ],
  "recipients": [
    "bank_accounts",
    "connectors",
    "db",
    "errors.ts",
    "http",
    "idempotency",
    "ids.ts",
    "payouts",
    "preconditions.ts",
  ],
  "redis.ts": [
    "log.ts",
  ],
  "runtime": [],
  "webhooks": [
    "db",
    "errors.ts",
    "events",
    "http",
    "ids.ts",
    "log.ts",
    "runtime",
  ],
  "worker": [
    "connectors",
    "db",
    "ids.ts",
    "log.ts",
    "payouts",
    "queue",
    "runtime",
  ],
};
