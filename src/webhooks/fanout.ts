/**
 * The webhook outbox: a CTE fragment that records one message per subscribed endpoint for a
 * payout change, inside the statement that makes the change. The statement's `p` CTE must
 * return the changed payout row; the message and the change commit together or not at all.
 */
import type postgres from "postgres";
import type { Db } from "../db/types.ts";
import type { PayoutEventType } from "../events/event_types.ts";

/**
 * `, webhook_<type> as (insert …)` for the payout rows of `p`, limited to rows where `when`
 * holds (e.g. only a real pending → processing step). Endpoints that are disabled, deleted
 * or not subscribed to the type get nothing.
 */
export function webhookFanout(
  sql: Db,
  type: PayoutEventType,
  when?: postgres.Fragment,
): postgres.Fragment {
  return sql`
    , ${sql(`webhook_${type.replace(".", "_")}`)} as (
      insert into webhook_messages (id, endpoint_id, event_type, payout_id, data)
      select 'msg_' || replace(gen_random_uuid()::text, '-', ''), ep.id, ${type}, p.id,
        jsonb_build_object(
          'id', p.id, 'amount', p.amount::text, 'currency', p.currency,
          'recipient_details', p.recipient_details, 'description', p.description,
          'status', p.status, 'failure_reason', p.failure_reason, 'version', p.version,
          'attempts', p.attempts, 'scheduled_for', p.scheduled_for,
          'requires_approval', p.requires_approval, 'approved_at', p.approved_at,
          'api_key_id', p.api_key_id, 'updated_by_api_key_id', p.updated_by_api_key_id,
          'created_at', p.created_at, 'updated_at', p.updated_at
        )
      from p
      join webhook_endpoints ep
        on ep.status = 'enabled' and ep.deleted_at is null
        and (ep.events @> array[${type}::text] or ep.events @> array['*'])
      ${when ? sql`where ${when}` : sql``}
    )
  `;
}
