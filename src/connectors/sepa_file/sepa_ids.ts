/**
 * SEPA references derived from our ids. A UUID without its dashes is 32 hex characters, which
 * fits every Max35Text reference and survives the bank's round trip unchanged, so a pain.002
 * status or a camt.054 return leads back to the payout (EndToEndId) or the file (MsgId) with
 * no lookup table.
 */

import { isUuid } from "../../ids.ts";

const HEX32 = /^[0-9a-f]{32}$/i;

function compact(uuid: string, what: string): string {
  if (!isUuid(uuid)) throw new TypeError(`${what} must be a UUID, got "${uuid}"`);
  return uuid.replaceAll("-", "").toLowerCase();
}

function expand(reference: string): string | undefined {
  if (!HEX32.test(reference)) return undefined;
  const hex = reference.toLowerCase();
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ].join("-");
}

/**
 * The EndToEndId of a payout's credit transfer: its id without dashes, lower case.
 * @throws TypeError if `payoutId` is not a UUID.
 */
export function endToEndIdFor(payoutId: string): string {
  return compact(payoutId, "payout id");
}

/**
 * The payout id an EndToEndId from a bank report refers to, or `undefined` if it is not one of
 * ours (banks write "NOTPROVIDED" when they lost it). Case-insensitive.
 */
export function payoutIdFromEndToEndId(endToEndId: string): string | undefined {
  return expand(endToEndId);
}

/**
 * The MsgId of a SEPA file (also used as its single PmtInfId): the file id without dashes.
 * @throws TypeError if `fileId` is not a UUID.
 */
export function msgIdFor(fileId: string): string {
  return compact(fileId, "file id");
}

/** The file id an OrgnlMsgId (or OrgnlPmtInfId) refers to, or `undefined` if not one of ours. */
export function fileIdFromMsgId(msgId: string): string | undefined {
  return expand(msgId);
}
