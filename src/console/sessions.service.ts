/** Signing in to the console with an API key, resuming sessions, signing out. */
import type { ApiKeyService } from "../apikeys/apikeys.service.ts";
import type { Db } from "../db/types.ts";
import { sha256Hex } from "../hash.ts";
import { type ConsoleSession, csrfTokenFor, isTokenShaped, randomToken } from "./session_tokens.ts";
import { deleteSession, findLiveSession, insertSession } from "./sessions.repository.ts";

export interface ConsoleSessionServiceDeps {
  sql: Db;
  apiKeys: ApiKeyService;
  /** CONSOLE_SESSION_TTL_MS: how long a session lasts since its last page or action. */
  ttlMs: number;
}

/** Why a sign-in was refused; the key itself is never part of the answer. */
export type SignInRefusal = "unknown_key" | "missing_console_scope";

export type SignInResult =
  | { ok: true; session: ConsoleSession }
  | { ok: false; reason: SignInRefusal; keyName?: string };

export class ConsoleSessionService {
  constructor(private readonly deps: ConsoleSessionServiceDeps) {}

  /** Exchanges an API key holding the `console` scope for a new session. */
  async signIn(presentedKey: string): Promise<SignInResult> {
    const record = await this.deps.apiKeys.verify(presentedKey.trim());
    if (!record) return { ok: false, reason: "unknown_key" };
    if (!record.scopes.includes("console")) {
      return { ok: false, reason: "missing_console_scope", keyName: record.name };
    }
    const token = randomToken();
    const expiresAt = await insertSession(
      this.deps.sql,
      sha256Hex(token),
      record.id,
      this.deps.ttlMs,
    );
    return {
      ok: true,
      session: {
        token,
        apiKeyId: record.id,
        apiKeyName: record.name,
        scopes: record.scopes,
        csrfToken: csrfTokenFor(token),
        expiresAt,
      },
    };
  }

  /**
   * The live session a cookie names, or undefined. `slide` extends it (pages and actions);
   * the overview's live refresh does not, so an open tab alone never keeps a session alive.
   */
  async resume(token: string | undefined, slide: boolean): Promise<ConsoleSession | undefined> {
    if (!isTokenShaped(token)) return undefined;
    const row = await findLiveSession(
      this.deps.sql,
      sha256Hex(token),
      slide ? this.deps.ttlMs : null,
    );
    if (!row) return undefined;
    return { token, ...row, csrfToken: csrfTokenFor(token) };
  }

  async signOut(token: string | undefined): Promise<void> {
    if (isTokenShaped(token)) await deleteSession(this.deps.sql, sha256Hex(token));
  }
}
