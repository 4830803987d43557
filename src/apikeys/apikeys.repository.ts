/** SQL for API keys. Keys themselves are never stored, only their SHA-256 hashes. */
import type { Db } from "../db/types.ts";
import type { Scope } from "./scopes.ts";

export interface ApiKeyRecord {
  id: string;
  name: string;
  keyHash: string;
  scopes: Scope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

type Row = {
  id: string;
  name: string;
  key_hash: string;
  scopes: Scope[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
};

const toRecord = (row: Row): ApiKeyRecord => ({
  id: row.id,
  name: row.name,
  keyHash: row.key_hash,
  scopes: row.scopes,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

/** Inserts a key; undefined when the name is taken. */
export async function insertApiKey(
  sql: Db,
  name: string,
  keyHash: string,
  scopes: readonly Scope[],
): Promise<ApiKeyRecord | undefined> {
  const [row] = await sql<Row[]>`
    insert into api_keys (name, key_hash, scopes)
    values (${name}, ${keyHash}, ${scopes as Scope[]}::text[])
    on conflict (name) do nothing
    returning *
  `;
  return row ? toRecord(row) : undefined;
}

/** The active (not revoked) key with this hash. */
export async function findActiveApiKey(
  sql: Db,
  keyHash: string,
): Promise<ApiKeyRecord | undefined> {
  const [row] = await sql<Row[]>`
    select * from api_keys where key_hash = ${keyHash} and revoked_at is null
  `;
  return row ? toRecord(row) : undefined;
}

export async function listApiKeys(sql: Db): Promise<ApiKeyRecord[]> {
  const rows = await sql<Row[]>`select * from api_keys order by created_at, name`;
  return rows.map(toRecord);
}

/** The channel on which revocations are announced (delivered when the revocation commits). */
export const REVOCATION_CHANNEL = "api_key_revoked";

/**
 * Revokes a key by name and announces it on REVOCATION_CHANNEL, so that processes caching
 * verified keys forget it at once. Returns the key's hash; undefined when no active key has
 * that name.
 */
export async function revokeApiKey(sql: Db, name: string): Promise<string | undefined> {
  const [row] = await sql<{ key_hash: string }[]>`
    with revoked as (
      update api_keys set revoked_at = clock_timestamp()
      where name = ${name} and revoked_at is null
      returning key_hash
    )
    select key_hash, pg_notify(${REVOCATION_CHANNEL}, key_hash) from revoked
  `;
  return row?.key_hash;
}

export async function touchApiKey(sql: Db, id: string): Promise<void> {
  await sql`update api_keys set last_used_at = clock_timestamp() where id = ${id}`;
}
