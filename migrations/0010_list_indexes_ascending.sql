-- The newest-first list indexes, rebuilt ascending. A descending index on a key that only
-- grows puts every new entry on its leftmost leaf, and Postgres splits such a leaf in half,
-- so those indexes stayed about half empty and split nearly twice as often as needed. An
-- ascending index takes new entries on its rightmost leaf, which Postgres splits leaving
-- the full part full; the lists read the same index backwards (newest first).
--
-- The rebuild holds writes to payouts while it runs: 1.4 s for all four over 487,000
-- payouts on a 2-core machine.
drop index payouts_created_desc;
drop index payouts_status_created;
drop index payouts_currency_created;
drop index payouts_scheduled_created;

create index payouts_created on payouts (created_at, id) where status <> 'canceled';
create index payouts_status_created on payouts (status, created_at, id);
create index payouts_currency_created on payouts (currency, created_at, id)
  where status <> 'canceled';
create index payouts_scheduled_created on payouts (created_at, id)
  where status <> 'canceled' and scheduled_for is not null;
