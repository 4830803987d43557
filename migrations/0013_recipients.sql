-- Recipients: stored bank details that payouts reference by id instead of repeating them,
-- with an audit trail of who created, changed, deleted and revealed each one.

-- Also added by 0012_rails.sql (the rails branch); whichever runs first adds it.
alter table payouts add column if not exists recipient_type text not null default 'test'
  check (recipient_type in ('test', 'sepa'));

create table recipients (
  id uuid primary key,
  name text not null check (char_length(name) between 1 and 70 and name = btrim(name)),
  type text not null check (type in ('test', 'sepa')),
  -- The one currency it may be paid in; null: any (test recipients only, SEPA pays EUR).
  currency char(3) check (currency ~ '^[A-Z]{3}$'),
  -- sepa: {"iban": <electronic format>, "bic"?: ...}; test: {"account": ..., <string>: ...}.
  account jsonb not null check (jsonb_typeof(account) = 'object'),
  metadata jsonb not null default '{}'::jsonb check (jsonb_typeof(metadata) = 'object'),
  -- Bumped by every change; the ETag is derived from it.
  version integer not null default 1 check (version > 0),
  api_key_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Deleted recipients are gone from the API; the row stays for the payouts that copied it.
  deleted_at timestamptz,
  check (type <> 'sepa' or (
    currency = 'EUR'
    and account->>'iban' ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'
    and (account - 'iban' - 'bic') = '{}'::jsonb
  )),
  check (type <> 'test' or jsonb_typeof(account->'account') = 'string')
);

-- Newest-first keyset pagination (read backwards), optionally by type or currency.
create index recipients_created on recipients (created_at, id) where deleted_at is null;
create index recipients_type_created on recipients (type, created_at, id)
  where deleted_at is null;
create index recipients_currency_created on recipients (currency, created_at, id)
  where deleted_at is null;

-- Who did what to a recipient, reveals of its account number included. Never holds the
-- account number itself.
create table recipient_events (
  id bigint generated always as identity primary key,
  recipient_id uuid not null references recipients (id),
  action text not null check (action in ('created', 'updated', 'deleted', 'revealed')),
  -- `api:<key name>`.
  actor text not null,
  api_key_id uuid,
  -- The X-Request-Id of the request that did it.
  request_id text,
  at timestamptz not null default clock_timestamp(),
  detail jsonb not null default '{}'::jsonb check (jsonb_typeof(detail) = 'object')
);
create index recipient_events_recipient on recipient_events (recipient_id, id);

-- The recipient a payout's details were copied from (null: given inline). The copy, in
-- recipient_details, is what is paid.
alter table payouts add column recipient_id uuid references recipients (id);
create index payouts_recipient on payouts (recipient_id) where recipient_id is not null;

-- Keys that could read or write payouts may read or write recipients, as new keys may by
-- default. Revealing account numbers is granted to no key: it must be asked for.
update api_keys set scopes = scopes || '{recipients:read}'::text[]
  where 'payouts:read' = any(scopes) and not 'recipients:read' = any(scopes);
update api_keys set scopes = scopes || '{recipients:write}'::text[]
  where 'payouts:write' = any(scopes) and not 'recipients:write' = any(scopes);
alter table api_keys alter column scopes set default
  '{payouts:read,payouts:write,webhooks:read,webhooks:write,console,recipients:read,recipients:write}';
