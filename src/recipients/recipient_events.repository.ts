/** SQL for reading a recipient's audit trail. */
import type { Db } from "../db/types.ts";
import type { RecipientEvent } from "./recipient.ts";

/** The events of a recipient, oldest first. */
export async function listRecipientEvents(
  sql: Db,
  recipientId: string,
): Promise<RecipientEvent[]> {
  const rows = await sql<
    {
      action: RecipientEvent["action"];
      actor: string;
      at: Date;
      request_id: string | null;
      detail: Record<string, unknown>;
    }[]
  >`
    select action, actor, at, request_id, detail
    from recipient_events where recipient_id = ${recipientId}
    order by id
  `;
  return rows.map((row) => ({
    action: row.action,
    actor: row.actor,
    at: row.at,
    requestId: row.request_id,
    detail: row.detail,
  }));
}
