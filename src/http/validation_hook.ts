/** The one defaultHook: every validation failure becomes a 400 problem naming each field. */
import type { Context } from "hono";
import type { z } from "@hono/zod-openapi";
import type { FieldError } from "../errors.ts";
import { problem, sendProblem } from "./problem.ts";

type HookResult = { success: true } | { success: false; error: z.ZodError; target: string };

/**
 * The defaultHook of one resource's routes. A top-level body field in `readOnlyFields` (one
 * clients see but cannot send) is named "is read-only", any other unknown one "is not a
 * known field".
 */
export function validationHook(readOnlyFields: ReadonlySet<string>) {
  return (result: HookResult, c: Context): Response | undefined => {
    if (result.success) return undefined;
    const errors = fieldErrors(result.error, result.target, readOnlyFields);
    const detail = result.target === "query"
      ? "The query string is not valid."
      : "The request body is not valid.";
    return sendProblem(c, problem(400, "validation_failed", detail, errors));
  };
}

/**
 * Flattens zod issues into dotted paths; unknown keys become one error each. `target` is
 * where the input came from (`query` names unknown keys as query parameters).
 */
export function fieldErrors(
  error: z.ZodError,
  target: string,
  readOnlyFields: ReadonlySet<string>,
): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const path = base ? `${base}.${key}` : key;
        const message = target === "query"
          ? "is not a known query parameter"
          : readOnlyFields.has(key) && !base
          ? "is read-only"
          : "is not a known field";
        errors.push({ path, message });
      }
    } else if (issue.code === "invalid_type" && / received undefined$/.test(issue.message)) {
      errors.push({ path: base, message: "is required" });
    } else {
      errors.push({ path: base, message: issue.message });
    }
  }
  return errors;
}
