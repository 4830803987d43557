/**
 * The served OpenAPI document read the way a client generator reads it: each response an
 * operation gives by reference (`#/components/responses/<name>`) replaced by what that
 * component says, so a test can ask any operation's response for its headers and body.
 */
import assert from "node:assert/strict";

const RESPONSE_REF = "#/components/responses/";

type Responses = Record<string, object>;
type Document = {
  paths: Record<string, Record<string, { responses: Responses }>>;
  components?: { responses?: Responses };
};

/** A copy of `doc` with every `$ref` to a shared response resolved to the component. */
export function resolveResponses<T>(doc: T): T {
  const copy = structuredClone(doc) as T & Document;
  const shared = copy.components?.responses ?? {};
  for (const operations of Object.values(copy.paths)) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const ref = (response as { $ref?: string }).$ref;
        if (ref === undefined) continue;
        assert.ok(ref.startsWith(RESPONSE_REF), `${status} refers to a response: ${ref}`);
        const component = shared[ref.slice(RESPONSE_REF.length)];
        assert.ok(component, `${ref} is declared`);
        operation.responses[status] = structuredClone(component);
      }
    }
  }
  return copy;
}
