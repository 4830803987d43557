/**
 * The error responses operations give in the same words are written once, as
 * `components.responses`, and referenced: every operation refers to the shared 400, 401,
 * 405, 429, 500 and 503 (and 413 and 415 when it reads a body), each shared response is
 * given by more than one operation, and no error response is written inline twice.
 */
import assert from "node:assert/strict";
import { servedDocument } from "../../scripts/generate_client.ts";

type Response = { $ref?: string; description?: string; headers?: object; content?: object };
type Operation = { requestBody?: object; responses: Record<string, Response> };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { responses: Record<string, Response> };
};

/** The shared response every operation refers to for each status. */
const EVERY_OPERATION = {
  400: "BadRequest",
  401: "Unauthorized",
  405: "MethodNotAllowed",
  429: "TooManyRequests",
  500: "InternalServerError",
  503: "ServiceUnavailable",
};

/** And every operation that reads a body. */
const EVERY_BODY = { 413: "PayloadTooLarge", 415: "UnsupportedMediaType" };

/** `[where, status, response]` for each response of each operation. */
function responsesOf(doc: Document): [string, string, Response][] {
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).flatMap(([method, operation]) =>
      Object.entries(operation.responses).map(([status, response]) =>
        [`${method} ${path}`, status, response] as [string, string, Response]
      )
    )
  );
}

Deno.test("every operation refers to the one shared response of each common status", async () => {
  const doc = await servedDocument() as Document;
  const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const expected = { ...EVERY_OPERATION, ...operation.requestBody ? EVERY_BODY : {} };
      for (const [status, name] of Object.entries(expected)) {
        assert.deepEqual(operation.responses[status], ref(name), `${method} ${path} ${status}`);
      }
      if (!operation.requestBody) {
        assert.ok(!("413" in operation.responses), `${method} ${path} reads no body: no 413`);
      }
    }
  }
});

Deno.test("each shared response is a problem+json with X-Request-Id, given by 2+ operations", async () => {
  const doc = await servedDocument() as Document;
  const uses = new Map<string, number>();
  for (const [, , response] of responsesOf(doc)) {
    if (response.$ref) uses.set(response.$ref, (uses.get(response.$ref) ?? 0) + 1);
  }
  const shared = Object.entries(doc.components.responses);
  assert.ok(shared.length >= 8, "the common error responses are shared");
  for (const [name, response] of shared) {
    const count = uses.get(`#/components/responses/${name}`) ?? 0;
    assert.ok(count >= 2, `${name} is given by ${count} operation(s), not worth sharing`);
    assert.ok(response.description, `${name} has a description`);
    assert.deepEqual(response.content, {
      "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } },
    }, name);
    assert.deepEqual(
      (response.headers as Record<string, unknown>)["X-Request-Id"],
      { $ref: "#/components/headers/XRequestId" },
      name,
    );
  }
  for (const ref of uses.keys()) {
    assert.ok(ref.replace("#/components/responses/", "") in doc.components.responses, ref);
  }
});

Deno.test("no error response is written inline, in the same words, by two operations", async () => {
  const doc = await servedDocument() as Document;
  const seen = new Map<string, string>();
  for (const [where, status, response] of responsesOf(doc)) {
    if (Number(status) < 400 || response.$ref) continue;
    const text = `${status} ${JSON.stringify(response)}`;
    const first = seen.get(text);
    assert.equal(first, undefined, `${where} repeats ${first}'s ${status}; share it`);
    seen.set(text, `${where}`);
  }
});
