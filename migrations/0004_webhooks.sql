-- Webhooks: subscribed endpoints, one message per (event, endpoint) written in the same
-- statement as the payout change that causes it, and the log of every delivery attempt.

create table webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  url text not null check (char_length(url) <= 2048),
  -- Event types, or '{*}' for every type.
  events text[] not null check (cardinality(events) between 1 and 32),
  description text not null default '' check (char_length(description) <= 255),
  status text not null default 'enabled' check (status in ('enabled', 'disabled')),
  -- `whsec_` + base64; kept in clear because signing needs it.
  secret text not null check (secret like 'whsec_%'),
  -- After a rotation, messages are signed with this one too until it expires.
  previous_secret text check (previous_secret like 'whsec_%'),
  previous_secret_expires_at timestamptz,
  -- Since when every attempt to this endpoint has failed (null after any success).
  failing_since timestamptz,
  disabled_reason text,
  api_key_id uuid,
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  -- Deleted endpoints stay for the audit of their deliveries.
  deleted_at timestamptz,
  check ((previous_secret is null) = (previous_secret_expires_at is null))
);
create index webhook_endpoints_created on webhook_endpoints (created_at desc, id desc)
  where deleted_at is null;
-- The fan-out reads only enabled endpoints.
create index webhook_endpoints_enabled on webhook_endpoints (id)
  where status = 'enabled' and deleted_at is null;

create table webhook_messages (
  -- The `webhook-id` header: one per message, the same on every retry.
  id text primary key check (id ~ '^msg_[0-9a-f]{32}$'),
  endpoint_id uuid not null references webhook_endpoints (id),
  event_type text not null check (event_type ~ '^[a-z_]+\.[a-z_]+$'),
  payout_id uuid references payouts (id),
  -- What the event says: the payout's fields as they were when it happened.
  data jsonb not null,
  occurred_at timestamptz not null default clock_timestamp(),
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempt_count integer not null default 0 check (attempt_count >= 0),
  next_attempt_at timestamptz not null default clock_timestamp(),
  -- A worker delivering the message holds it until lease_until; a dead one's lease runs out.
  lease_owner text,
  lease_until timestamptz,
  delivered_at timestamptz,
  created_at timestamptz not null default clock_timestamp()
);
-- Due messages, for the dispatchers' claim.
create index webhook_messages_due on webhook_messages (next_attempt_at)
  where status = 'pending';
-- An endpoint's delivery log, newest first, and its in-flight count.
create index webhook_messages_endpoint on webhook_messages (endpoint_id, created_at desc, id desc);
create index webhook_messages_endpoint_pending on webhook_messages (endpoint_id)
  where status = 'pending';

create table webhook_attempts (
  id bigint generated always as identity primary key,
  message_id text not null references webhook_messages (id),
  at timestamptz not null default clock_timestamp(),
  status_code smallint,
  duration_ms integer not null check (duration_ms >= 0),
  error text,
  -- The first 64 KiB of the response body, kept as text and never interpreted.
  response_body text,
  worker text not null
);
create index webhook_attempts_message on webhook_attempts (message_id, id);
