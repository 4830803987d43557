/**
 * The payout list's query string: status, currency and a creation date range (whole UTC
 * days, both ends included), as the filter form sends them. Empty fields mean no filter.
 */
import { type FieldError, ValidationError } from "../errors.ts";
import { currencyExponent } from "../payouts/currencies.ts";
import { PAYOUT_STATUSES, type PayoutStatus } from "../payouts/payout.ts";
import type { PayoutFilter } from "./payouts.service.ts";

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** The form's values, as sent (for showing them back). */
export interface FilterForm {
  status: string;
  currency: string;
  from: string;
  to: string;
}

function dayStart(text: string): Date | undefined {
  const match = DAY.exec(text);
  if (!match) return undefined;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  // Rejects 2025-02-30 and the like, which Date.UTC would roll over.
  return date.toISOString().slice(0, 10) === text ? date : undefined;
}

/** Whether `text` is a real calendar day as `YYYY-MM-DD`. */
export function isDay(text: string): boolean {
  return dayStart(text) !== undefined;
}

export function filterFormOf(query: Record<string, string>): FilterForm {
  const value = (name: string) => (query[name] ?? "").trim();
  return {
    status: value("status"),
    currency: value("currency"),
    from: value("from"),
    to: value("to"),
  };
}

/** The filter a form asks for; ValidationError naming each field that is not valid. */
export function parseFilter(form: FilterForm, cursor: string | undefined): PayoutFilter {
  const errors: FieldError[] = [];
  let status: PayoutStatus | null = null;
  if (form.status) {
    if ((PAYOUT_STATUSES as readonly string[]).includes(form.status)) {
      status = form.status as PayoutStatus;
    } else errors.push({ path: "status", message: "is not a payout status" });
  }
  const currency = form.currency ? form.currency.toUpperCase() : null;
  if (
    currency !== null && (!/^[A-Z]{3}$/.test(currency) || currencyExponent(currency) === undefined)
  ) {
    errors.push({ path: "currency", message: "is not an ISO 4217 currency code" });
  }
  const from = form.from ? dayStart(form.from) : null;
  if (from === undefined) errors.push({ path: "from", message: "is not a date (YYYY-MM-DD)" });
  const to = form.to ? dayStart(form.to) : null;
  if (to === undefined) errors.push({ path: "to", message: "is not a date (YYYY-MM-DD)" });
  if (from && to && to < from) errors.push({ path: "to", message: "is before the first day" });
  if (errors.length > 0) throw new ValidationError(errors, "The filter is not valid.");
  return {
    status,
    currency,
    createdFrom: from ?? null,
    createdBefore: to ? new Date(to.getTime() + DAY_MS) : null,
    cursor: cursor ?? null,
  };
}

/** The query string of a filter form, without empty fields. */
export function filterQuery(form: FilterForm, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...form, ...extra })) {
    if (value) params.set(name, value);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}
