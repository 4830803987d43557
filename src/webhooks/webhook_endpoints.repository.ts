/** SQL for webhook endpoints: create, read, list, change, delete and rotate their secret. */
import { keysetPage, type PageQuery } from "../db/keyset_page.ts";
import type { PagePosition } from "../db/page_cursor.ts";
import type { Db } from "../db/types.ts";
import type { EndpointStatus, WebhookEndpoint } from "./webhook_endpoint.ts";
import type { SubscribedEvent } from "../events/event_types.ts";

interface EndpointRow {
  id: string;
  url: string;
  events: SubscribedEvent[];
  description: string;
  status: EndpointStatus;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    status: row.status,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface EndpointDraft {
  url: string;
  events: SubscribedEvent[];
  description: string;
  secret: string;
  apiKeyId: string | null;
}

export interface EndpointPatch {
  url?: string;
  events?: SubscribedEvent[];
  description?: string;
  status?: EndpointStatus;
}

/** The endpoints the API shows and changes: not deleted, not a local listener's. */
function visible(sql: Db) {
  return sql`deleted_at is null and listener_expires_at is null`;
}

/** Why an endpoint is disabled when a client disabled it. */
export const DISABLED_BY_API = "Disabled through the API.";

export async function insertEndpoint(sql: Db, draft: EndpointDraft): Promise<WebhookEndpoint> {
  const [row] = await sql<EndpointRow[]>`
    insert into webhook_endpoints (url, events, description, secret, api_key_id)
    values (
      ${draft.url}, ${draft.events}::text[], ${draft.description}, ${draft.secret},
      ${draft.apiKeyId}
    )
    returning *
  `;
  return toEndpoint(row);
}

/**
 * An endpoint visible through the API: not deleted, and not the temporary endpoint of a
 * `deno task webhooks listen` (those belong to the CLI, which alone creates and removes
 * them; the API neither shows nor changes them).
 */
export async function findEndpoint(sql: Db, id: string): Promise<WebhookEndpoint | undefined> {
  const [row] = await sql<EndpointRow[]>`
    select * from webhook_endpoints where id = ${id} and ${visible(sql)}
  `;
  return row ? toEndpoint(row) : undefined;
}

/** One page, newest first, of the endpoints visible through the API. */
export async function listEndpoints(
  sql: Db,
  query: PageQuery,
): Promise<{ endpoints: WebhookEndpoint[]; last: PagePosition | null; more: boolean }> {
  const page = await keysetPage(
    sql,
    {
      columns: sql`*`,
      from: sql`webhook_endpoints`,
      where: visible(sql),
      idType: "uuid",
    },
    query,
    toEndpoint,
  );
  return { endpoints: page.items, last: page.last, more: page.more };
}

/**
 * Writes the given fields. Disabling records why; re-enabling forgets why, and since when
 * the endpoint was failing, so the worker's automatic disabling starts counting afresh.
 */
export async function updateEndpoint(
  sql: Db,
  id: string,
  patch: EndpointPatch,
): Promise<WebhookEndpoint | undefined> {
  const status = patch.status ?? null;
  // In SET, `status` is the value before this update.
  const [row] = await sql<EndpointRow[]>`
    update webhook_endpoints set
      ${patch.url !== undefined ? sql`url = ${patch.url},` : sql``}
      ${patch.events !== undefined ? sql`events = ${patch.events}::text[],` : sql``}
      ${patch.description !== undefined ? sql`description = ${patch.description},` : sql``}
      ${
    status
      ? sql`
        status = ${status},
        failing_since = case when status = 'disabled' and ${status} = 'enabled' then null
          else failing_since end,
        disabled_reason = case
          when ${status} = 'enabled' then null
          when status = 'enabled' then ${DISABLED_BY_API}
          else disabled_reason end,`
      : sql``
  }
      updated_at = clock_timestamp()
    where id = ${id} and ${visible(sql)}
    returning *
  `;
  return row ? toEndpoint(row) : undefined;
}

/**
 * Deletes an endpoint for the API: the row and its delivery log stay for audit, and its
 * pending messages fail in the same statement so nothing more is delivered to it.
 */
export async function deleteEndpoint(sql: Db, id: string): Promise<boolean> {
  const rows = await sql`
    with e as (
      update webhook_endpoints set deleted_at = clock_timestamp(), updated_at = clock_timestamp()
      where id = ${id} and ${visible(sql)}
      returning id
    ), m as (
      update webhook_messages set status = 'failed'
      where endpoint_id in (select id from e) and status = 'pending'
    )
    select id from e
  `;
  return rows.length === 1;
}

/**
 * Makes `secret` the endpoint's secret and the current one its previous secret, valid for
 * `graceMs` more, in one statement; a second rotation replaces the previous secret.
 */
export async function rotateEndpointSecret(
  sql: Db,
  id: string,
  secret: string,
  graceMs: number,
): Promise<boolean> {
  // In SET, `secret` on the right is the value before this update.
  const rows = await sql`
    update webhook_endpoints set
      previous_secret = secret,
      previous_secret_expires_at =
        clock_timestamp() + ${graceMs}::bigint * interval '1 millisecond',
      secret = ${secret},
      updated_at = clock_timestamp()
    where id = ${id} and ${visible(sql)}
    returning id
  `;
  return rows.length === 1;
}
