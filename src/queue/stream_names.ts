/** Where jobs live in Redis; tests use their own names. */
export interface StreamNames {
  stream: string;
  deadLetter: string;
  group: string;
}

/** The one field of a job entry. */
export const PAYOUT_ID_FIELD = "payout_id";

/**
 * The stream names a configuration selects. Typed by shape, not by `Config`: the
 * configuration sits above the queue (it parses payout rules), so the queue does not import it.
 */
export function streamNamesOf(
  config: { STREAM_KEY: string; DEAD_LETTER_STREAM_KEY: string; CONSUMER_GROUP: string },
): StreamNames {
  return {
    stream: config.STREAM_KEY,
    deadLetter: config.DEAD_LETTER_STREAM_KEY,
    group: config.CONSUMER_GROUP,
  };
}
