-- Temporary endpoints of `deno task webhooks listen`, written by that operator CLI, never by
-- the API (which neither shows nor changes them): an endpoint whose lease ends at
-- listener_expires_at unless the CLI renews it. Such an endpoint points to the CLI's own
-- loopback listener and is delivered to there only; once its lease has ended it gets no
-- messages, and the workers delete it (with its messages) a while later.
alter table webhook_endpoints add column listener_expires_at timestamptz;
alter table webhook_endpoints add constraint webhook_endpoints_listener_loopback check (
  listener_expires_at is null
  or url ~ '^http://(127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|\[::1\]):[0-9]{1,5}/'
);
-- The workers' search for expired listeners.
create index webhook_endpoints_listeners on webhook_endpoints (listener_expires_at)
  where listener_expires_at is not null;
