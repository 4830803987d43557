/**
 * The console's tables: a keyboard-scrollable region of their own, stacked into one card per
 * row on narrow screens (each cell labels itself with `data-label`).
 */
// hono/jsx renders on the server only: nothing reconciles lists, and a `key` would be
// written out as an attribute.
// deno-lint-ignore-file jsx-key
import type { Child, FC } from "hono/jsx";

/** A column heading; `numeric` aligns the column right. */
export type Column = string | { name: string; numeric: true };

export const DataTable: FC<{ label: string; columns: Column[]; children?: Child }> = (
  { label, columns, children },
) => (
  // "… table": the section around it is often named `label` too, and two landmarks of one
  // name are ambiguous (axe landmark-unique).
  <div class="table-wrap" role="region" aria-label={`${label} table`} tabindex={0}>
    <table class="stacked">
      <thead>
        <tr>
          {columns.map((column) =>
            typeof column === "string"
              ? <th scope="col">{column}</th>
              : <th scope="col" class="num">{column.name}</th>
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  </div>
);
