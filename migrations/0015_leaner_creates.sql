-- Less work per created payout (issue 30): two index entries and two foreign-key checks
-- fewer, each a WAL record or a trigger on the create's path; no read loses its index.
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

-- The foreign keys from the audit trail and the outbox to payouts: checking one locks the
-- payout row just inserted (FOR KEY SHARE: a WAL record and a page write per payout) and
-- runs a trigger per row, about a third of the create statement's time (EXPLAIN ANALYZE of
-- a 7-payout create). Their rows take payout_id from the payouts the same statement wrote
-- or locked (its `p`), so they cannot name a missing payout; what the keys still guarded
-- is a payout deleted from under its trail, and payouts are never deleted: that is now
-- refused outright (TRUNCATE, which only tests and the benchmark use, is not a delete).
alter table payout_events drop constraint payout_events_payout_id_fkey;
alter table payout_outbox drop constraint payout_outbox_payout_id_fkey;

create function payouts_refuse_delete() returns trigger language plpgsql as $$
begin
  raise exception 'payouts are never deleted (payout %): cancel it instead', old.id
    using errcode = 'restrict_violation';
end
$$;
create trigger payouts_never_deleted before delete on payouts
  for each row execute function payouts_refuse_delete();
