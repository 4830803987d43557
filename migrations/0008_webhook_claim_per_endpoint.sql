-- The dispatchers' claim reads each endpoint's due messages on its own, up to the room the
-- endpoint has left under its cap: in this index's order, the first few, however long the
-- backlog of an endpoint that is full (the claim used to walk it all to find nothing).
-- It also serves what the old (endpoint_id) index did: an endpoint's pending messages.
drop index webhook_messages_endpoint_pending;
create index webhook_messages_endpoint_due on webhook_messages (endpoint_id, next_attempt_at, id)
  where status = 'pending';
