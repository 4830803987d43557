/** API keys: creation, verification, listing and revocation. */
import { timingSafeEqual } from "node:crypto";
import type { Db, Pool } from "../db/types.ts";
import { sha256Hex } from "../hash.ts";
import {
  type ApiKeyRecord,
  findActiveApiKey,
  insertApiKey,
  listApiKeys,
  REVOCATION_CHANNEL,
  revokeApiKey,
  touchApiKey,
} from "./apikeys.repository.ts";
import { DEFAULT_SCOPES, type Scope } from "./scopes.ts";

export const API_KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KEY_PREFIX = "pk_";
const KEY_SHAPE = /^pk_[A-Za-z0-9_-]{43}$/;
/** last_used_at is a hint, not an audit log: write it at most this often per key. */
const TOUCH_EVERY_MS = 60_000;

const encoder = new TextEncoder();

function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const base64 = btoa(String.fromCharCode(...bytes));
  return KEY_PREFIX + base64.replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

export class ApiKeyNameError extends Error {}

export interface ApiKeyServiceOptions {
  /**
   * How long a verified key is trusted without asking the database (0 = always ask).
   * Revocations are announced with NOTIFY and evict at once (see listenForRevocations);
   * the time limit only bounds how long a missed announcement could matter.
   */
  cacheMs?: number;
}

export class ApiKeyService {
  private readonly touched = new Map<string, number>();
  private readonly verified = new Map<string, { record: ApiKeyRecord; until: number }>();
  private readonly cacheMs: number;

  constructor(private readonly sql: Db, options: ApiKeyServiceOptions = {}) {
    this.cacheMs = options.cacheMs ?? 0;
  }

  /**
   * Evicts keys from the cache as soon as any process revokes them. While the listening
   * connection is re-established the whole cache is dropped, since announcements may have
   * been missed. Returns a function that stops listening.
   */
  async listenForRevocations(pool: Pool): Promise<() => Promise<void>> {
    const { unlisten } = await pool.listen(
      REVOCATION_CHANNEL,
      (keyHash) => this.verified.delete(keyHash),
      () => this.verified.clear(),
    );
    return unlisten;
  }

  /**
   * Creates a key with 256 random bits and these scopes (by default all but
   * `payouts:approve` and `recipients:reveal`); the plain key is returned once and never
   * stored.
   */
  async create(
    name: string,
    scopes: readonly Scope[] = DEFAULT_SCOPES,
  ): Promise<{ record: ApiKeyRecord; key: string }> {
    if (!API_KEY_NAME.test(name)) {
      throw new ApiKeyNameError(
        "name must be 1-64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit",
      );
    }
    const key = randomKey();
    const record = await insertApiKey(this.sql, name, sha256Hex(key), scopes);
    if (!record) throw new ApiKeyNameError(`a key named ${name} already exists`);
    return { record, key };
  }

  /** The active key a presented secret belongs to, or undefined. */
  async verify(presented: string): Promise<ApiKeyRecord | undefined> {
    if (!KEY_SHAPE.test(presented)) return undefined;
    const hash = sha256Hex(presented);
    const cached = this.verified.get(hash);
    if (cached && cached.until > Date.now()) return cached.record;
    const record = await findActiveApiKey(this.sql, hash);
    // The lookup is by hash; compare in constant time anyway so no branch depends on bytes.
    if (!record || !timingSafeEqual(encoder.encode(record.keyHash), encoder.encode(hash))) {
      return undefined;
    }
    this.touch(record.id);
    if (this.cacheMs > 0) this.verified.set(hash, { record, until: Date.now() + this.cacheMs });
    return record;
  }

  list(): Promise<ApiKeyRecord[]> {
    return listApiKeys(this.sql);
  }

  /** Revokes a key; false when no active key has that name. */
  async revoke(name: string): Promise<boolean> {
    const keyHash = await revokeApiKey(this.sql, name);
    if (keyHash) this.verified.delete(keyHash);
    return keyHash !== undefined;
  }

  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    touchApiKey(this.sql, id).catch(() => this.touched.delete(id));
  }
}
