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

// TODO(issue 26): the integrator sets the table once the layer refactors have landed.
export const ALLOWED: ImportRules | null = null;
