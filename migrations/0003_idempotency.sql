-- Idempotency records: the first response to a POST carrying an Idempotency-Key, stored in
-- the same transaction as the payout it created, so either both exist or neither.
create table idempotency_keys (
  api_key_id uuid not null references api_keys (id),
  key text not null check (key ~ '^[\x20-\x7e]{1,255}$'),
  -- SHA-256 hex of the canonical JSON of the request body.
  request_hash text not null check (request_hash ~ '^[0-9a-f]{64}$'),
  response_status smallint not null check (response_status between 100 and 599),
  response_headers jsonb not null default '{}'::jsonb,
  -- json, not jsonb: json keeps the text as written, so a replay is byte for byte the
  -- first response (jsonb would reorder its keys).
  response_body json not null,
  created_at timestamptz not null default clock_timestamp(),
  primary key (api_key_id, key)
);

-- For the maintenance chore that deletes expired records.
create index idempotency_keys_created on idempotency_keys (created_at);
