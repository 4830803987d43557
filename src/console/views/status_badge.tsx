/** A payout or delivery status, coloured by the stylesheet and readable without colour. */
import type { FC } from "hono/jsx";

export const StatusBadge: FC<{ status: string }> = ({ status }) => (
  <span class={`badge status-${status}`}>{status.replace("_", " ")}</span>
);
