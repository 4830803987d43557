-- Payout control: scheduled payouts, approvals under the four-eyes rule, scoped API keys.

alter table payouts drop constraint payouts_status_check;
alter table payouts add constraint payouts_status_check check (status in (
  'needs_approval', 'pending', 'processing', 'completed', 'failed', 'rejected', 'canceled'
));
alter table payouts drop constraint payouts_check;
alter table payouts add constraint payouts_failure_reason_check
  check ((status in ('failed', 'rejected')) = (failure_reason is not null));

-- Not processed before this time; null means at once.
alter table payouts add column scheduled_for timestamptz;
-- The client asked for an approval whatever the amount.
alter table payouts add column requires_approval boolean not null default false;
-- The key that last changed the payout (the creator's until a PATCH): with api_key_id, the
-- keys that may not approve it.
alter table payouts add column updated_by_api_key_id uuid;
-- When it was last approved: a PATCH of a payout that had approval needs approval again.
alter table payouts add column approved_at timestamptz;

-- The due-payout scanner: scheduled payouts still waiting, by due time.
create index payouts_scheduled_due on payouts (scheduled_for)
  where status = 'pending' and scheduled_for is not null;
-- `GET /api/payouts/?scheduled=true`.
create index payouts_scheduled_created on payouts (created_at desc, id desc)
  where status <> 'canceled' and scheduled_for is not null;

alter table payout_events drop constraint payout_events_type_check;
alter table payout_events add constraint payout_events_type_check check (type in (
  'created', 'updated', 'canceled', 'status_changed', 'attempt_failed', 'approved', 'rejected'
));

-- What each key may do. Existing keys keep what they could do before: everything but
-- approving, which no key could.
alter table api_keys add column scopes text[] not null
  default '{payouts:read,payouts:write,webhooks:read,webhooks:write,console}';
