/** SQL for console sessions. Only the SHA-256 of a session token is ever stored. */
import type { Scope } from "../apikeys/scopes.ts";
import type { Db } from "../db/types.ts";

export interface SessionRow {
  apiKeyId: string;
  apiKeyName: string;
  scopes: Scope[];
  expiresAt: Date;
}

/** Starts a session for a key; expired sessions of anyone are deleted on the way. */
export async function insertSession(
  sql: Db,
  tokenHash: string,
  apiKeyId: string,
  ttlMs: number,
): Promise<Date> {
  const [row] = await sql<{ expires_at: Date }[]>`
    with gone as (
      delete from console_sessions where expires_at <= clock_timestamp()
    )
    insert into console_sessions (token_hash, api_key_id, expires_at)
    values (${tokenHash}, ${apiKeyId}, clock_timestamp() + ${ttlMs} * interval '1 millisecond')
    returning expires_at
  `;
  return row.expires_at;
}

/**
 * The live session with this hash, joined with its key: none once it expired, or the key
 * was revoked or lacks the `console` scope. With `slideMs`, its expiry moves to now plus
 * that and last_seen_at to now, in the same statement.
 */
export async function findLiveSession(
  sql: Db,
  tokenHash: string,
  slideMs: number | null,
): Promise<SessionRow | undefined> {
  const [row] = await sql<
    { api_key_id: string; name: string; scopes: Scope[]; expires_at: Date }[]
  >`
    with live as (
      select s.token_hash, k.id as api_key_id, k.name, k.scopes, s.expires_at
      from console_sessions s join api_keys k on k.id = s.api_key_id
      where s.token_hash = ${tokenHash}
        and s.expires_at > clock_timestamp()
        and k.revoked_at is null
        and 'console' = any(k.scopes)
    ), slid as (
      update console_sessions s set
        last_seen_at = clock_timestamp(),
        expires_at = clock_timestamp() + ${slideMs ?? 0} * interval '1 millisecond'
      from live
      where ${slideMs !== null} and s.token_hash = live.token_hash
      returning s.expires_at
    )
    select live.api_key_id, live.name, live.scopes,
      coalesce((select expires_at from slid), live.expires_at) as expires_at
    from live
  `;
  return row
    ? {
      apiKeyId: row.api_key_id,
      apiKeyName: row.name,
      scopes: row.scopes,
      expiresAt: row.expires_at,
    }
    : undefined;
}

/** Ends a session (sign-out); nothing happens for an unknown hash. */
export async function deleteSession(sql: Db, tokenHash: string): Promise<void> {
  await sql`delete from console_sessions where token_hash = ${tokenHash}`;
}
