/** The payout list: a filter form (GET), an "open by id" form, a table, the next page. */
// hono/jsx renders on the server only: nothing reconciles lists, and a `key` would be
// written out as an attribute.
// deno-lint-ignore-file jsx-key
import type { FC } from "hono/jsx";
import type { FieldError } from "../../errors.ts";
import { type Payout, PAYOUT_STATUSES } from "../../payouts/payout.ts";
import { shownRecipientDetails } from "../../payouts/payouts.presenter.ts";
import type { ConsoleSession } from "../session_tokens.ts";
import { type FilterForm, filterQuery, isDay } from "../payout_filters.ts";
import { type Column, DataTable } from "./data_table.tsx";
import { amountOf, timeOf } from "./format.ts";
import { Layout } from "./layout.tsx";
import { StatusBadge } from "./status_badge.tsx";

export interface PayoutsPageProps {
  session: ConsoleSession;
  form: FilterForm;
  /** What was typed in "open a payout by id", shown again when it was not an id. */
  openId: string;
  payouts: Payout[];
  nextCursor: string | null;
  errors?: FieldError[];
  notice?: string;
}

const PAYOUT_COLUMNS: Column[] = [
  "Created",
  "Payout",
  { name: "Amount", numeric: true },
  "Status",
  "Recipient",
];

/** The attributes that tie a field to the error list when the field is at fault. */
function invalid(errors: FieldError[] | undefined, path: string) {
  return errors?.some((error) => error.path === path)
    ? { "aria-invalid": "true" as const, "aria-describedby": "filter-errors" }
    : {};
}

/**
 * A day field. A date input would drop a value that is not a real day (the browser shows
 * it empty), so such a value comes back in a text field, as typed, next to its error.
 */
const DayField: FC<
  { name: "from" | "to"; label: string; form: FilterForm; errors?: FieldError[] }
> = (
  { name, label, form, errors },
) => {
  const fault = invalid(errors, name);
  return (
    <div class="field">
      <label for={name}>{label}</label>
      <input
        id={name}
        name={name}
        type={form[name] === "" || isDay(form[name]) ? "date" : "text"}
        value={form[name]}
        placeholder="YYYY-MM-DD"
        {...fault}
        aria-describedby={["date-hint", fault["aria-describedby"]].filter(Boolean).join(" ")}
      />
    </div>
  );
};

const FilterFields: FC<{ form: FilterForm; errors?: FieldError[] }> = ({ form, errors }) => {
  const knownStatus = form.status === "" ||
    (PAYOUT_STATUSES as readonly string[]).includes(form.status);
  return (
    <form class="filters card" method="get" action="/console/payouts">
      <div class="field">
        <label for="status">Status</label>
        <select id="status" name="status" {...invalid(errors, "status")}>
          <option value="">any</option>
          {PAYOUT_STATUSES.map((status) => (
            <option value={status} selected={form.status === status}>
              {status.replace("_", " ")}
            </option>
          ))}
          {!knownStatus && <option value={form.status} selected>{form.status}</option>}
        </select>
      </div>
      <div class="field">
        <label for="currency">Currency</label>
        <input
          id="currency"
          name="currency"
          value={form.currency}
          maxlength={3}
          size={5}
          placeholder="EUR"
          autocomplete="off"
          {...invalid(errors, "currency")}
        />
      </div>
      <DayField name="from" label="Created from" form={form} errors={errors} />
      <DayField name="to" label="Created to" form={form} errors={errors} />
      <div class="field actions">
        <button type="submit">Filter</button>
        <a href="/console/payouts">Clear</a>
      </div>
      <p id="date-hint" class="muted field-hint">
        Dates are whole UTC days (00:00 to 24:00 UTC), both ends included.
      </p>
    </form>
  );
};

export const PayoutsPage: FC<PayoutsPageProps> = (
  { session, form, openId, payouts, nextCursor, errors, notice },
) => (
  <Layout title="Payouts" session={session} section="payouts" notice={notice}>
    <FilterFields form={form} errors={errors} />
    <form class="open-by-id" method="get" action="/console/payouts">
      <label for="open-id">Open a payout by id</label>
      <input
        id="open-id"
        name="id"
        value={openId}
        autocomplete="off"
        placeholder="UUID"
        {...invalid(errors, "id")}
      />
      <button type="submit" class="secondary">Open</button>
    </form>
    {errors && errors.length > 0 && (
      <div class="alert" role="alert" id="filter-errors">
        <p>The filter is not valid:</p>
        <ul>
          {errors.map((error) => <li>{`${error.path} ${error.message}`}</li>)}
        </ul>
      </div>
    )}
    {payouts.length === 0
      ? <p>No payouts match.</p>
      : (
        <DataTable label="Payouts" columns={PAYOUT_COLUMNS}>
          {payouts.map((payout) => (
            <tr>
              <td data-label="Created">{timeOf(payout.createdAt)}</td>
              <td data-label="Payout">
                <a href={`/console/payouts/${payout.id}`} class="mono">{payout.id}</a>
              </td>
              <td class="num" data-label="Amount">{amountOf(payout)}</td>
              <td data-label="Status">
                <StatusBadge status={payout.status} />
              </td>
              <td class="mono" data-label="Recipient">{shownRecipientDetails(payout).account}</td>
            </tr>
          ))}
        </DataTable>
      )}
    {nextCursor && (
      <p>
        <a href={`/console/payouts${filterQuery(form, { cursor: nextCursor })}`}>Older payouts</a>
      </p>
    )}
  </Layout>
);
