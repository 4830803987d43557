-- Payout rails: connectors chosen by routing rules, failover, and the SEPA credit-transfer
-- rail, whose final answer comes later (the bank's status report), and may be a return.

-- What kind of recipient `recipient_details` describes: `test` (an `account` string, paid by
-- the simulated connector) or `sepa` ({account: IBAN, name, bic?}).
alter table payouts add column recipient_type text not null default 'test'
  check (recipient_type in ('test', 'sepa'));
-- The connector the payout was sent through. Recorded before the call when the route has
-- more than one candidate, so a payout whose outcome is unknown is never sent elsewhere.
alter table payouts add column connector text;
-- Why the money came back (reason code and the bank's words), once `returned`.
alter table payouts add column return_reason text;
-- Handed to a connector that answers later: the payout stays `processing`, without a lease,
-- and no job, takeover or reconciler claims it again. The connector's report finishes it.
alter table payouts add column submitted_at timestamptz;
-- The SEPA file the payout's credit transfer went out in.
alter table payouts add column sepa_file_id uuid references sepa_files (id);

alter table payouts drop constraint payouts_status_check;
alter table payouts add constraint payouts_status_check check (status in (
  'needs_approval', 'pending', 'processing', 'completed', 'failed', 'rejected', 'canceled',
  'returned'
));
alter table payouts add constraint payouts_return_reason_check
  check ((status = 'returned') = (return_reason is not null));
alter table payouts add constraint payouts_submitted_connector_check
  check (submitted_at is null or connector is not null);

-- Unfinished payouts the reconciler may re-enqueue: a submitted payout waits for its bank,
-- possibly for days, and is never re-enqueued, so it stays out of the index.
drop index payouts_unfinished;
create index payouts_unfinished on payouts (enqueued_at)
  where status in ('pending', 'processing') and submitted_at is null;

alter table payout_events drop constraint payout_events_type_check;
alter table payout_events add constraint payout_events_type_check check (type in (
  'created', 'updated', 'canceled', 'status_changed', 'attempt_failed', 'approved', 'rejected',
  -- a connector refused before anything was sent; the payout moves to the next one
  'connector_refused',
  -- handed to a connector that answers later (the bank)
  'submitted',
  -- its SEPA credit transfer was put in a file for the bank
  'sepa_file_assigned'
));

-- The sepa_file connector's own record of the credit transfers it accepted, one per payout:
-- its idempotency (a second `pay` finds the row and changes nothing). The file builder puts
-- the unassigned ones into the next file.
create table sepa_payments (
  payout_id uuid primary key references payouts (id),
  end_to_end_id text not null unique check (end_to_end_id ~ '^[0-9a-f]{32}$'),
  -- EUR, exact; the EPC maximum of one transfer.
  amount numeric(13, 2) not null check (amount > 0 and amount <= 999999999.99),
  iban text not null check (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$'),
  bic text check (bic ~ '^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$'),
  -- As written in the file: transliterated to the SEPA character set and cut to length.
  name text not null check (char_length(name) between 1 and 70),
  remittance_info text check (char_length(remittance_info) between 1 and 140),
  file_id uuid references sepa_files (id),
  created_at timestamptz not null default clock_timestamp()
);
-- The builder's queue: oldest first.
create index sepa_payments_unassigned on sepa_payments (created_at, payout_id)
  where file_id is null;
-- A status report's transactions, by file.
create index sepa_payments_file on sepa_payments (file_id) where file_id is not null;

-- The simulated connector records a refusal (`REFUSE…` accounts) like every other call.
alter table provider_calls drop constraint provider_calls_outcome_check;
alter table provider_calls add constraint provider_calls_outcome_check
  check (outcome in ('paid', 'duplicate', 'refused', 'transient_error', 'permanent_error'));
