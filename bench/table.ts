/** Markdown tables for the benchmark's printout (docs/performance.md uses the same). */

/** A Markdown table of `rows` under `headers`. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}
