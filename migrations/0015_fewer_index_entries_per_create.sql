-- Two index entries fewer per created payout (issue 30), each a WAL record on the create's
-- path; no read loses its index.
--
-- The audit trail is only ever read per payout, in id order (GET /payouts/{id}/events): its
-- primary key becomes (payout_id, id), which serves that read and stays unique since id is,
-- and the separate (payout_id, id) index goes.
alter table payout_events drop constraint payout_events_pkey;
alter table payout_events add primary key (payout_id, id);
drop index payout_events_payout;

-- The relay takes stale outbox rows in id order (ids rise with created_at), so it walks the
-- primary key; the outbox holds only jobs not yet appended, so its filter on created_at
-- reads a few rows, not an index of its own.
drop index payout_outbox_created;
