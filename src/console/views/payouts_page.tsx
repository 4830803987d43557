/** The payout list: a filter form (GET), an "open by id" form, a table, the next page. */
// hono/jsx renders on the server only: nothing reconciles lists, and a `key` would be
// written out as an attribute.
// deno-lint-ignore-file jsx-key
import type { FC } from "hono/jsx";
import type { FieldError } from "../../errors.ts";
import { type Payout, PAYOUT_STATUSES } from "../../payouts/payout.ts";
import { shownRecipientDetails } from "../../payouts/payouts.presenter.ts";
import type { ConsoleSession } from "../session_tokens.ts";
import { type FilterForm, filterQuery } from "../payout_filters.ts";
import { type Column, DataTable } from "./data_table.tsx";
import { amountOf, timeOf } from "./format.ts";
import { Layout } from "./layout.tsx";
import { StatusBadge } from "./status_badge.tsx";

export interface PayoutsPageProps {
  session: ConsoleSession;
  form: FilterForm;
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

const FilterFields: FC<{ form: FilterForm }> = ({ form }) => (
  <form class="filters card" method="get" action="/console/payouts">
    <div class="field">
      <label for="status">Status</label>
      <select id="status" name="status">
        <option value="">any</option>
        {PAYOUT_STATUSES.map((status) => (
          <option value={status} selected={form.status === status}>
            {status.replace("_", " ")}
          </option>
        ))}
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
      />
    </div>
    <div class="field">
      <label for="from">Created from</label>
      <input id="from" name="from" type="date" value={form.from} />
    </div>
    <div class="field">
      <label for="to">Created to</label>
      <input id="to" name="to" type="date" value={form.to} />
    </div>
    <div class="field actions">
      <button type="submit">Filter</button>
      <a href="/console/payouts">Clear</a>
    </div>
  </form>
);

export const PayoutsPage: FC<PayoutsPageProps> = (
  { session, form, payouts, nextCursor, errors, notice },
) => (
  <Layout title="Payouts" session={session} section="payouts" notice={notice}>
    <FilterFields form={form} />
    <form class="open-by-id" method="get" action="/console/payouts">
      <label for="open-id">Open a payout by id</label>
      <input id="open-id" name="id" autocomplete="off" placeholder="UUID" />
      <button type="submit" class="secondary">Open</button>
    </form>
    {errors && errors.length > 0 && (
      <div class="alert" role="alert">
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
