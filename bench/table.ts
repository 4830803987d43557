/** Markdown tables for the benchmark's printout (docs/performance.md uses the same). */

type Cell = string | number;

/** A Markdown table of `rows` under `headers`. */
export function table(headers: string[], rows: Cell[][]): string {
  const line = (cells: Cell[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

/** A column: its header and the cell it shows for a row. */
export type Column<T> = readonly [header: string, cell: (row: T) => Cell];

/** A Markdown table of `rows`, one cell per column. */
export function columnTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  return table(
    columns.map(([header]) => header),
    rows.map((row) => columns.map(([, cell]) => cell(row))),
  );
}

/** A column showing the field `key` as it is. */
export function field<K extends string>(header: string, key: K): Column<Record<K, Cell>> {
  return [header, (row) => row[key]];
}

/** A column showing the field `key`, a CPU share, as a percentage. */
export function percent<K extends string>(header: string, key: K): Column<Record<K, number>> {
  return [header, (row) => `${row[key]}%`];
}
