/**
 * Errors of the SEPA file layer. They are not HTTP errors (no request carries these files), so
 * they extend Error directly, each with a stable `code` the worker can log and branch on.
 */

/** A payout batch that cannot be written as a valid pain.001 file; the message says why. */
export class SepaFileError extends Error {
  readonly code = "sepa_file_invalid";
  constructor(message: string) {
    super(message);
    this.name = "SepaFileError";
  }
}

/**
 * A bank file (pain.002, camt.054) that could not be read: not well-formed XML, another message
 * type, or a required element missing or malformed. Nothing from such a file may be acted on.
 */
export class ReportParseError extends Error {
  readonly code = "sepa_report_unparseable";
  constructor(message: string) {
    super(message);
    this.name = "ReportParseError";
  }
}
