/** A target of the benchmark: a measured figure against its limit. */
import { round } from "./stats.ts";

export interface Target {
  name: string;
  value: number;
  op: ">=" | "<=" | "=";
  limit: number;
  holds: boolean;
}

/** Judges `value` against `limit`; the value is kept to three places, as the reports show it. */
export function target(name: string, value: number, op: Target["op"], limit: number): Target {
  const holds = op === ">=" ? value >= limit : op === "<=" ? value <= limit : value === limit;
  return { name, value: round(value, 3), op, limit, holds };
}
