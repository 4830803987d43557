/** The console's Hono environment: the app's variables plus the signed-in session. */
import type { AppEnv } from "../http/request_context.ts";
import type { ConsoleSession } from "./session_tokens.ts";

export type ConsoleEnv = {
  Variables: AppEnv["Variables"] & {
    /** Set by consoleAuth on every route but sign-in and the assets. */
    session: ConsoleSession;
  };
};

/** Where the console is mounted. */
export const CONSOLE_PREFIX = "/console";
export const SIGN_IN_PATH = `${CONSOLE_PREFIX}/sign-in`;
