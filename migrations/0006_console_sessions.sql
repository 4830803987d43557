-- Operator console: sessions exchanged for an API key with the `console` scope. Only a
-- SHA-256 of each session token is stored, like API keys, so a dump yields no usable
-- session. The CSRF token is derived from the session token (HMAC), so it needs no column.
create table console_sessions (
  token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
  -- Every request joins the key, so a revoked key ends its sessions at once.
  api_key_id uuid not null references api_keys (id) on delete cascade,
  created_at timestamptz not null default clock_timestamp(),
  last_seen_at timestamptz not null default clock_timestamp(),
  -- Slides forward with each page or action (not with the overview's live refresh).
  expires_at timestamptz not null,
  check (expires_at > created_at)
);
create index console_sessions_api_key on console_sessions (api_key_id);
-- Sign-in deletes expired sessions.
create index console_sessions_expires on console_sessions (expires_at);

-- The console's chart of completions per minute over the last hour reads only this; a
-- completed payout never changes again, so updated_at is when it completed.
create index payouts_completed_at on payouts (updated_at) where status = 'completed';
