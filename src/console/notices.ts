/**
 * What a page says after an action redirected to it (`?notice=…`). Only codes travel in
 * the URL; the text comes from this table, so nothing a link carries is shown as is.
 */
const NOTICES: Record<string, (count: number, skipped: number) => string> = {
  canceled: () => "The payout was canceled.",
  approved: () => "The payout was approved; it will be processed.",
  rejected: () => "The payout was rejected; it will never be paid.",
  requeued: (n, skipped) =>
    `Requeued ${n} dead letter${n === 1 ? "" : "s"}.` +
    (skipped > 0
      ? ` ${skipped} left in place: their payouts are completed, canceled or unknown.`
      : ""),
  retried: () => "The delivery is due again now.",
};

/** The text for a notice code and its counts; undefined for an unknown code. */
export function noticeText(query: Record<string, string>): string | undefined {
  const notice = query.notice ? NOTICES[query.notice] : undefined;
  const count = (name: string) => {
    const n = Number(query[name] ?? "0");
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  };
  return notice?.(count("n"), count("skipped"));
}
