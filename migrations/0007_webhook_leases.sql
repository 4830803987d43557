-- Indexes for the dispatchers' claim, which runs every time a delivery ends.

-- Due messages in the claim's own order (next attempt, then id), so it reads the first few
-- instead of sorting the whole backlog.
drop index webhook_messages_due;
create index webhook_messages_due on webhook_messages (next_attempt_at, id)
  where status = 'pending';

-- The leases in force per endpoint, counted on every claim, without reading the backlog.
create index webhook_messages_leased on webhook_messages (endpoint_id, lease_until)
  where status = 'pending' and lease_owner is not null;
