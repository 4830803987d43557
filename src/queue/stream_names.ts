/** Where jobs live in Redis; tests use their own names. */
export interface StreamNames {
  stream: string;
  deadLetter: string;
  group: string;
}

/** The one field of a job entry. */
export const PAYOUT_ID_FIELD = "payout_id";
