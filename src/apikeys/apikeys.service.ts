/** API keys: creation, verification, listing and revocation. */
import { timingSafeEqual } from "node:crypto";
import type { Db } from "../db/types.ts";
import {
  type ApiKeyRecord,
  findActiveApiKey,
  insertApiKey,
  listApiKeys,
  revokeApiKey,
  touchApiKey,
} from "./apikeys.repository.ts";

export const API_KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KEY_PREFIX = "pk_";
const KEY_SHAPE = /^pk_[A-Za-z0-9_-]{43}$/;
/** last_used_at is a hint, not an audit log: write it at most this often per key. */
const TOUCH_EVERY_MS = 60_000;

const encoder = new TextEncoder();

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const base64 = btoa(String.fromCharCode(...bytes));
  return KEY_PREFIX + base64.replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

export class ApiKeyNameError extends Error {}

export class ApiKeyService {
  private readonly touched = new Map<string, number>();

  constructor(private readonly sql: Db) {}

  /** Creates a key with 256 random bits; the plain key is returned once and never stored. */
  async create(name: string): Promise<{ record: ApiKeyRecord; key: string }> {
    if (!API_KEY_NAME.test(name)) {
      throw new ApiKeyNameError(
        "name must be 1-64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit",
      );
    }
    const key = randomKey();
    const record = await insertApiKey(this.sql, name, await sha256Hex(key));
    if (!record) throw new ApiKeyNameError(`a key named ${name} already exists`);
    return { record, key };
  }

  /** The active key a presented secret belongs to, or undefined. */
  async verify(presented: string): Promise<ApiKeyRecord | undefined> {
    if (!KEY_SHAPE.test(presented)) return undefined;
    const hash = await sha256Hex(presented);
    const record = await findActiveApiKey(this.sql, hash);
    // The lookup is by hash; compare in constant time anyway so no branch depends on bytes.
    if (!record || !timingSafeEqual(encoder.encode(record.keyHash), encoder.encode(hash))) {
      return undefined;
    }
    this.touch(record.id);
    return record;
  }

  list(): Promise<ApiKeyRecord[]> {
    return listApiKeys(this.sql);
  }

  revoke(name: string): Promise<boolean> {
    return revokeApiKey(this.sql, name);
  }

  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    touchApiKey(this.sql, id).catch(() => this.touched.delete(id));
  }
}
