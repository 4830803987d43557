-- Payouts, their audit trail, the outbox that guarantees enqueueing, and the
-- simulated provider's ledger of calls.

create table payouts (
  id uuid primary key,
  -- Major units, exact. The currency's ISO 4217 exponent is enforced by the
  -- application; the bounds are enforced here too.
  amount numeric(14, 4) not null check (amount > 0 and amount <= 1000000000),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  recipient_details jsonb not null check (jsonb_typeof(recipient_details) = 'object'),
  description text not null default '' check (char_length(description) <= 255),
  status text not null default 'pending'
    check (status in ('pending', 'processing', 'completed', 'failed', 'canceled')),
  failure_reason text,
  -- Bumped by every update; the ETag is derived from it.
  version integer not null default 1 check (version > 0),
  attempts integer not null default 0 check (attempts >= 0),
  lease_owner text,
  lease_until timestamptz,
  api_key_id uuid,
  -- When a job for this payout last went into the stream; the reconciler re-enqueues
  -- unfinished payouts whose job the stream no longer holds.
  enqueued_at timestamptz not null default clock_timestamp(),
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  check ((status = 'failed') = (failure_reason is not null))
);

-- Newest-first keyset pagination, optionally filtered by status or currency.
create index payouts_created_desc on payouts (created_at desc, id desc)
  where status <> 'canceled';
create index payouts_status_created on payouts (status, created_at desc, id desc);
create index payouts_currency_created on payouts (currency, created_at desc, id desc)
  where status <> 'canceled';

create index payouts_unfinished on payouts (enqueued_at)
  where status in ('pending', 'processing');

create table payout_events (
  id bigint generated always as identity primary key,
  payout_id uuid not null references payouts (id),
  type text not null
    check (type in ('created', 'updated', 'canceled', 'status_changed', 'attempt_failed')),
  from_status text,
  to_status text,
  actor text not null,
  at timestamptz not null default clock_timestamp(),
  detail jsonb not null default '{}'::jsonb
);
create index payout_events_payout on payout_events (payout_id, id);

-- Written in the payout's own transaction; deleted once the job is in the stream.
create table payout_outbox (
  id bigint generated always as identity primary key,
  payout_id uuid not null references payouts (id),
  created_at timestamptz not null default clock_timestamp()
);
create index payout_outbox_created on payout_outbox (created_at, id);

-- The simulated payment provider's own record of every call it received.
create table provider_calls (
  id bigint generated always as identity primary key,
  payout_id uuid not null,
  outcome text not null
    check (outcome in ('paid', 'duplicate', 'transient_error', 'permanent_error')),
  amount numeric(14, 4),
  currency char(3),
  called_at timestamptz not null default clock_timestamp()
);
-- The provider's idempotency: one payment per payout id, decided by the index.
create unique index provider_calls_one_payment on provider_calls (payout_id)
  where outcome = 'paid';
create index provider_calls_payout on provider_calls (payout_id);
