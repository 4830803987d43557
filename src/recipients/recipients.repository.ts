/**
 * SQL for recipients. Every change, and every reveal of an account number, appends its row
 * to `recipient_events` in the statement that makes it, so the audit trail cannot miss one.
 */
import type postgres from "postgres";
import { keysetPage, type PageQuery } from "../db/keyset_page.ts";
import type { PagePosition } from "../db/page_cursor.ts";
import type { Db } from "../db/types.ts";
import type {
  Account,
  Metadata,
  Recipient,
  RecipientAction,
  RecipientActor,
  RecipientType,
} from "./recipient.ts";
import type { RecipientDraft } from "./recipient_rules.ts";

interface RecipientRow {
  id: string;
  name: string;
  type: RecipientType;
  currency: string | null;
  account: Account;
  metadata: Metadata;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = [
  "id",
  "name",
  "type",
  "currency",
  "account",
  "metadata",
  "version",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof RecipientRow)[];

function toRecipient(row: RecipientRow): Recipient {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    // char(3) comes back as it is stored: three letters, no padding to strip.
    currency: row.currency,
    account: row.account,
    metadata: row.metadata,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * `, e as (insert into recipient_events …)`: the audit row of `action` for each recipient
 * the statement's `r` CTE returns.
 */
function recipientEvent(
  sql: Db,
  action: RecipientAction,
  actor: RecipientActor,
  detail: postgres.Fragment = sql`'{}'::jsonb`,
): postgres.Fragment {
  return sql`
    , e as (
      insert into recipient_events (recipient_id, action, actor, api_key_id, request_id, detail)
      select r.id, ${action}, ${actor.name}, ${actor.apiKeyId}, ${actor.requestId}, ${detail}
      from r
    )
  `;
}

/** Inserts a recipient and its `created` event in one statement. */
export async function insertRecipient(
  sql: Db,
  id: string,
  draft: RecipientDraft,
  actor: RecipientActor,
): Promise<Recipient> {
  const created = recipientEvent(
    sql,
    "created",
    actor,
    sql`jsonb_build_object('type', r.type, 'currency', r.currency)`,
  );
  const [row] = await sql<RecipientRow[]>`
    with r as (
      insert into recipients (id, name, type, currency, account, metadata, api_key_id)
      values (
        ${id}, ${draft.name}, ${draft.type}, ${draft.currency},
        ${sql.json(draft.account as postgres.JSONValue)}, ${sql.json(draft.metadata)},
        ${actor.apiKeyId}
      )
      returning ${sql(COLUMNS)}
    ) ${created}
    select * from r
  `;
  return toRecipient(row);
}

/**
 * A recipient the API shows (deleted ones are gone), or any when `includeDeleted`;
 * `forUpdate` locks it until the end of the transaction `sql` is.
 */
export async function findRecipient(
  sql: Db,
  id: string,
  options: { includeDeleted?: boolean; forUpdate?: boolean } = {},
): Promise<Recipient | undefined> {
  const [row] = await sql<RecipientRow[]>`
    select ${sql(COLUMNS)} from recipients
    where id = ${id} ${options.includeDeleted ? sql`` : sql`and deleted_at is null`}
    ${options.forUpdate ? sql`for update` : sql``}
  `;
  return row ? toRecipient(row) : undefined;
}

/**
 * A recipient the API shows, read to be shown unmasked: the read and its `revealed` event
 * are one statement, so no account number is shown that the audit trail does not record.
 */
export async function revealRecipient(
  sql: Db,
  id: string,
  actor: RecipientActor,
): Promise<Recipient | undefined> {
  const [row] = await sql<RecipientRow[]>`
    with r as (
      select ${sql(COLUMNS)} from recipients where id = ${id} and deleted_at is null
    ) ${recipientEvent(sql, "revealed", actor)}
    select * from r
  `;
  return row ? toRecipient(row) : undefined;
}

export interface RecipientListQuery extends PageQuery {
  type: RecipientType | null;
  currency: string | null;
}

/** One page, newest first, of the recipients not deleted. */
export async function listRecipients(
  sql: Db,
  query: RecipientListQuery,
): Promise<{ recipients: Recipient[]; last: PagePosition | null; more: boolean }> {
  const where = sql`
    deleted_at is null
    ${query.type ? sql`and type = ${query.type}` : sql``}
    ${query.currency ? sql`and currency = ${query.currency}` : sql``}
  `;
  const page = await keysetPage(
    sql,
    { columns: sql`${sql(COLUMNS)}`, from: sql`recipients`, where, idType: "uuid" },
    query,
    toRecipient,
  );
  return { recipients: page.items, last: page.last, more: page.more };
}

/**
 * Writes the new values of a recipient if it is still at `version` and not deleted, with
 * its `updated` event. Undefined when it changed or went meanwhile.
 */
export async function updateRecipient(
  sql: Db,
  target: { id: string; version: number },
  draft: RecipientDraft,
  changes: Record<string, unknown>,
  actor: RecipientActor,
): Promise<Recipient | undefined> {
  const updated = recipientEvent(
    sql,
    "updated",
    actor,
    sql`${sql.json({ changes } as postgres.JSONValue)}::jsonb`,
  );
  const [row] = await sql<RecipientRow[]>`
    with r as (
      update recipients set
        name = ${draft.name},
        currency = ${draft.currency},
        account = ${sql.json(draft.account as postgres.JSONValue)},
        metadata = ${sql.json(draft.metadata)},
        version = version + 1,
        updated_at = clock_timestamp()
      where id = ${target.id} and deleted_at is null and version = ${target.version}
      returning ${sql(COLUMNS)}
    ) ${updated}
    select * from r
  `;
  return row ? toRecipient(row) : undefined;
}

/**
 * Deletes a recipient for the API (at one of `versions`, when given), with its `deleted`
 * event: the row stays, for the payouts that copied it and for the audit trail. Returns
 * whether it was deleted.
 */
export async function deleteRecipient(
  sql: Db,
  id: string,
  versions: number[] | null,
  actor: RecipientActor,
): Promise<boolean> {
  const rows = await sql`
    with r as (
      update recipients set deleted_at = clock_timestamp(), version = version + 1,
        updated_at = clock_timestamp()
      where id = ${id} and deleted_at is null
        ${versions ? sql`and version = any(${versions}::int[])` : sql``}
      returning id
    ) ${recipientEvent(sql, "deleted", actor)}
    select id from r
  `;
  return rows.length === 1;
}
