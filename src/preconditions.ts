/**
 * A change asked for on condition (an HTTP `If-Match`): whatever the current version, or
 * only if it is one of these entity tags. Below both the HTTP layer that parses it and the
 * services that check it.
 */
export type IfMatch = { any: true } | { any: false; etags: string[] };
