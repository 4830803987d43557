-- A new endpoint's created_at and updated_at are one instant. clock_timestamp() is read once per
-- column, so the two defaults could differ by a microsecond; now() is one reading per
-- transaction, and an endpoint is created by a statement of its own.
alter table webhook_endpoints
  alter column created_at set default now(),
  alter column updated_at set default now();
