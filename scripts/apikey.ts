/**
 * API key administration.
 *
 *     deno task apikey create NAME [--scopes a,b]
 *                                    # prints the new key, alone, as the last line of stdout
 *     deno task apikey list          # name, scopes, created, last used, revoked
 *     deno task apikey revoke NAME   # the key stops working at once
 *
 * Reads DATABASE_URL (and the rest of the shared configuration). Keys are shown once, at
 * creation, and stored only as SHA-256 hashes. Bad usage: one line on stderr, exit 2; any
 * other failure: one `apikey: <message>` line on stderr, exit 1.
 *
 * @module
 */
import { type ApiKeyRecord } from "../src/apikeys/apikeys.repository.ts";
import { ApiKeyNameError, ApiKeyService } from "../src/apikeys/apikeys.service.ts";
import { DEFAULT_SCOPES, parseScopes, type Scope } from "../src/apikeys/scopes.ts";
import { ConfigError, parseConfig } from "../src/config.ts";
import { createSql } from "../src/db/client.ts";

const USAGE = "usage: deno task apikey create NAME [--scopes a,b] | list | revoke NAME";

type Command =
  | { name: "create"; keyName: string; scopes: readonly Scope[] }
  | { name: "revoke"; keyName: string }
  | { name: "list" };

/** A failure worth one line to the user (as opposed to a bug). */
class CliError extends Error {}

/** Parses the arguments, or returns the one-line complaint for bad usage. */
export function parseArgs(args: string[]): Command | string {
  const [name, ...rest] = args;
  if (name === "list") return rest.length === 0 ? { name } : `unexpected argument: ${rest[0]}`;
  if (name === "create") {
    const positional: string[] = [];
    let scopes: readonly Scope[] = DEFAULT_SCOPES;
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i];
      const inline = arg.startsWith("--scopes=") ? arg.slice("--scopes=".length) : undefined;
      if (arg === "--scopes" || inline !== undefined) {
        const value = inline ?? rest[++i];
        if (value === undefined) return "--scopes needs a comma-separated list";
        try {
          scopes = parseScopes(value);
        } catch (error) {
          return (error as Error).message;
        }
      } else {
        positional.push(arg);
      }
    }
    if (positional.length === 0) return "usage: deno task apikey create NAME [--scopes a,b]";
    if (positional.length > 1) return `unexpected argument: ${positional[1]}`;
    return { name, keyName: positional[0], scopes };
  }
  if (name === "revoke") {
    if (rest.length === 0) return `usage: deno task apikey ${name} NAME`;
    if (rest.length > 1) return `unexpected argument: ${rest[1]}`;
    return { name, keyName: rest[0] };
  }
  return name ? `unknown command: ${name} (${USAGE})` : USAGE;
}

const when = (date: Date | null) => date ? date.toISOString().slice(0, 19) + "Z" : "-";

/** The key list as an aligned text table; never shows keys or their hashes. */
export function formatKeyTable(keys: ApiKeyRecord[]): string[] {
  const rows = [
    ["NAME", "SCOPES", "CREATED", "LAST USED", "REVOKED"],
    ...keys.map((key) => [
      key.name,
      key.scopes.join(","),
      when(key.createdAt),
      when(key.lastUsedAt),
      when(key.revokedAt),
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
}

async function run(command: Command, apiKeys: ApiKeyService): Promise<void> {
  if (command.name === "create") {
    const { key } = await apiKeys.create(command.keyName, command.scopes);
    // The note goes to stderr so `$(deno task apikey create NAME)` captures the key alone.
    console.error(
      `Created API key ${command.keyName} (${command.scopes.join(",")}). ` +
        "It is shown only this once; store it now.",
    );
    console.log(key);
  } else if (command.name === "revoke") {
    if (!await apiKeys.revoke(command.keyName)) {
      throw new CliError(`no active key named ${command.keyName}`);
    }
    console.log(`revoked ${command.keyName}`);
  } else {
    for (const line of formatKeyTable(await apiKeys.list())) console.log(line);
  }
}

/** One line for the user: known database states get advice, the rest their message. */
function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "42P01") return "the api_keys table does not exist; run `deno task migrate` first";
  if (code === "3D000") {
    return `${(error as Error).message}; run \`deno task migrate\` first`;
  }
  if (error instanceof ApiKeyNameError || error instanceof CliError) return error.message;
  let message = error instanceof Error ? error.message : String(error);
  // Connecting to several addresses fails with an AggregateError whose own message is empty.
  if (!message && error instanceof AggregateError) {
    message = error.errors.map((e) => e instanceof Error ? e.message : String(e)).join("; ");
  }
  return (message || String(error)).replace(/\s*\n\s*/g, " ");
}

async function main(args: string[]): Promise<number> {
  const command = parseArgs(args);
  if (typeof command === "string") {
    console.error(command);
    return 2;
  }
  let config;
  try {
    config = parseConfig(Deno.env.toObject());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`apikey: ${error.message}`);
    return 1;
  }
  const sql = createSql(config.DATABASE_URL, {
    max: 1,
    applicationName: "payouts-apikey-cli",
    prepare: config.DATABASE_PREPARE,
    maxPipeline: config.DATABASE_MAX_PIPELINE,
  });
  try {
    await run(command, new ApiKeyService(sql));
    return 0;
  } catch (error) {
    console.error(`apikey: ${describe(error)}`);
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
