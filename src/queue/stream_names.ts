import type { Config } from "../config.ts";

/** Where jobs live in Redis; tests use their own names. */
export interface StreamNames {
  stream: string;
  deadLetter: string;
  group: string;
}

/** The one field of a job entry. */
export const PAYOUT_ID_FIELD = "payout_id";

/** The stream names a configuration selects. */
export function streamNamesOf(
  config: Pick<Config, "STREAM_KEY" | "DEAD_LETTER_STREAM_KEY" | "CONSUMER_GROUP">,
): StreamNames {
  return {
    stream: config.STREAM_KEY,
    deadLetter: config.DEAD_LETTER_STREAM_KEY,
    group: config.CONSUMER_GROUP,
  };
}
