-- SEPA file rail: credit-transfer files to upload to the bank's SFTP server exactly once,
-- and the reports the bank drops back, each recorded once before it is applied.

create table sepa_files (
  id uuid primary key default gen_random_uuid(),
  -- The name on the bank's server. Plain names only: never a path, never our temporary
  -- `.part` suffix.
  name text not null unique
    check (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$' and name not like '%.part'),
  -- GrpHdr/MsgId: the bank rejects a second file with the same one.
  msg_id text not null unique check (char_length(msg_id) between 1 and 35),
  xml text not null,
  -- Of the UTF-8 bytes uploaded, so a file found on the server can be compared with it.
  sha256 text not null check (sha256 = encode(sha256(convert_to(xml, 'UTF8')), 'hex')),
  payments_count integer not null check (payments_count > 0),
  ctrl_sum numeric(18, 2) not null check (ctrl_sum > 0),
  -- built: waits for an upload (again, after a failed attempt);
  -- uploading: a worker holds the lease; when it runs out another worker takes over;
  -- uploaded: the file is on the server under `name`;
  -- in_doubt: it may have been delivered and then taken away by the bank; an operator (or
  --   the bank's status report for msg_id) decides. Never uploaded again on its own.
  status text not null default 'built'
    check (status in ('built', 'uploading', 'uploaded', 'in_doubt')),
  -- Attempts started, crashed ones included.
  attempts integer not null default 0 check (attempts >= 0),
  last_error text,
  next_attempt_at timestamptz not null default clock_timestamp(),
  lease_owner text,
  -- Fences a worker whose lease ran out: its writes name the token it claimed with.
  lease_token uuid,
  lease_until timestamptz,
  -- Temporary files some attempt was about to rename to `name`. If one of them is gone and
  -- `name` is not there either, the rename may have happened and the bank taken the file.
  renaming_parts text[] not null default '{}',
  created_at timestamptz not null default clock_timestamp(),
  uploaded_at timestamptz,
  check ((status = 'uploaded') = (uploaded_at is not null)),
  check ((status = 'uploading') = (lease_token is not null and lease_until is not null))
);
create index sepa_files_due on sepa_files (next_attempt_at) where status = 'built';
create index sepa_files_leased on sepa_files (lease_until) where status = 'uploading';

create table bank_reports (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 1 and 255),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  kind text not null check (kind in ('pain.002', 'camt.054', 'unknown')),
  -- The bank's file as received: the evidence, kept after the server's copy is archived.
  content bytea not null,
  received_at timestamptz not null default clock_timestamp(),
  -- Set in the transaction that applied the report; null while it has not been.
  applied_at timestamptz,
  -- What applying it did, or 'duplicate' when the same content was applied under another name.
  outcome text,
  duplicate_of uuid references bank_reports (id),
  -- Failed attempts to apply it; each one rolled back whatever it had written.
  attempts integer not null default 0 check (attempts >= 0),
  last_error text,
  unique (name, sha256),
  check (applied_at is null or outcome is not null),
  check ((duplicate_of is null) or (applied_at is null and outcome = 'duplicate'))
);
-- The same content under another name is a duplicate: found by its hash.
create index bank_reports_sha256 on bank_reports (sha256) where applied_at is not null;
