/**
 * How a payout change records what happened, inside the statement that makes the change: a
 * row of its audit trail (`payout_events`) and a webhook message for every endpoint that
 * subscribed to the event (`webhook_messages`), both from the statement's `p` CTE, which
 * returns the changed rows. They commit with the change or not at all, in one statement.
 */
import type postgres from "postgres";
import type { Db } from "../db/types.ts";
import type { PayoutEventType } from "../events/event_types.ts";
import type { PayoutEvent } from "./payout.ts";
import { payoutSnapshot } from "./payout_snapshot.ts";

/** A value of the event row: a parameter, or SQL over the rows the event is for. */
export type EventValue = string | null | postgres.Fragment;

/** A webhook event type to fan out, limited to the rows where `when` holds if given. */
export type Webhook = PayoutEventType | { type: PayoutEventType; when: postgres.Fragment };

/** What one change records: {@linkcode payoutEvent}'s input. */
export interface ChangeEvent {
  /** The audit event's type. */
  type: PayoutEvent["type"];
  /** The status before the change (the new one, `to_status`, is `p.status`). */
  from: EventValue;
  actor: EventValue;
  /** A jsonb value (`sql.json(…)` or SQL); `{}` when left out. */
  detail?: postgres.Fragment | postgres.Parameter;
  /** Where the event's values come from: `p` unless they differ by row (`p join input …`). */
  rows?: postgres.Fragment;
  /** Only the rows of `p` where this holds get the event and its webhook messages. */
  when?: postgres.Fragment;
  /** The webhook types it fans out; none for events no endpoint can subscribe to. */
  webhooks: readonly Webhook[];
}

/**
 * `, e as (insert into payout_events …), webhook_<type> as (insert into webhook_messages …)…`
 * for a statement whose `p` CTE returns the changed payout rows: their `id` and `status`,
 * and every column the snapshot holds when `webhooks` is not empty. It starts with a comma,
 * so it follows any CTE of the statement's `with` list; one per statement.
 */
export function payoutEvent(sql: Db, event: ChangeEvent): postgres.Fragment {
  const fanouts = event.webhooks.map((webhook) =>
    typeof webhook === "string"
      ? fanout(sql, webhook, [event.when])
      : fanout(sql, webhook.type, [event.when, webhook.when])
  );
  return sql`
    , e as (
      insert into payout_events (payout_id, type, from_status, to_status, actor, detail)
      select p.id, ${event.type}, ${event.from}, p.status, ${event.actor},
        ${event.detail ?? sql`'{}'::jsonb`}
      from ${event.rows ?? sql`p`}
      ${where(sql, [event.when])}
    ) ${fanouts.length === 0 ? sql`` : fanouts}
  `;
}

/**
 * `, webhook_<type> as (insert …)`: one message per endpoint subscribed to `type` (or to
 * `*`) for each row of `p` where every condition holds. Endpoints that are disabled or
 * deleted get nothing, nor a local listener's whose lease has ended.
 */
function fanout(
  sql: Db,
  type: PayoutEventType,
  conditions: (postgres.Fragment | undefined)[],
): postgres.Fragment {
  return sql`
    , ${sql(`webhook_${type.replace(".", "_")}`)} as (
      insert into webhook_messages (id, endpoint_id, event_type, payout_id, data)
      select 'msg_' || replace(gen_random_uuid()::text, '-', ''), ep.id, ${type}, p.id,
        ${payoutSnapshot(sql)}
      from p
      join webhook_endpoints ep
        on ep.status = 'enabled' and ep.deleted_at is null
        and (ep.listener_expires_at is null or ep.listener_expires_at > clock_timestamp())
        and (ep.events @> array[${type}::text] or ep.events @> array['*'])
      ${where(sql, conditions)}
    )
  `;
}

function where(sql: Db, conditions: (postgres.Fragment | undefined)[]): postgres.Fragment {
  const given = conditions.filter((condition) => condition !== undefined);
  return given.length === 0 ? sql`` : sql`where ${sql`and`.join(given)}`;
}

/**
 * `old as (…)`: the payouts `ids` locked for the change, with the status each had before
 * it (`returning` sees only the new one), for a `from` of `p.old_status`. Locked in id
 * order, so two statements locking overlapping sets cannot deadlock.
 */
export function lockedForChange(sql: Db, ids: readonly string[]): postgres.Fragment {
  return sql`
    old as (
      select id, status from payouts where id = any(${ids as string[]}::uuid[])
      order by id
      for update
    )
  `;
}
