/**
 * The generated TypeScript client (clients/typescript/) against the real API process: the
 * whole flow goes through the client, and every value is narrowed, never cast (no `as`, no
 * `!`, no `any`, no `@ts-` comment: tests/unit/typed_client_source_test.ts enforces it).
 */
import assert from "node:assert/strict";
import {
  createPayoutClient,
  type PayoutClient,
  type Schemas,
} from "../../clients/typescript/index.ts";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import { withApiProcess } from "../helpers/api_process.ts";

/** An answer of the client: its body when it succeeded, the problem the API sent when not. */
type Answer<T> = { data?: T; error?: Schemas["Problem"]; response: Response };

/** The body of an answer that must have `status`; fails with the problem otherwise. */
function body<T>(answer: Answer<T>, status: number): T {
  assert.equal(answer.response.status, status, JSON.stringify(answer.error));
  if (answer.data === undefined) throw new Error(`a ${status} without a body`);
  return answer.data;
}

/** The problem of an answer that must have failed with `status`. */
function problem(answer: Answer<unknown>, status: number): Schemas["Problem"] {
  assert.equal(answer.response.status, status);
  if (answer.error === undefined) throw new Error(`a ${status} without a problem`);
  assert.equal(answer.error.status, status);
  return answer.error;
}

/** The strong ETag the answer carries. */
function etagOf(answer: Answer<unknown>): string {
  const etag = answer.response.headers.get("etag");
  assert.ok(etag, "an ETag header");
  assert.match(etag, /^"[^"]+"$/);
  return etag;
}

/** Every payout `limit` at a time, following `next_cursor`; the pages' sizes too. */
async function listAll(api: PayoutClient, limit: number) {
  const ids: string[] = [];
  const pages: number[] = [];
  let cursor: string | undefined;
  do {
    const page = body(await api.GET("/payouts", { params: { query: { limit, cursor } } }), 200);
    ids.push(...page.results.map((payout) => payout.id));
    pages.push(page.results.length);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return { ids, pages };
}

Deno.test("the typed client creates, replays, reads, lists by cursor, patches, cancels and follows a payout's events and webhook deliveries", () =>
  withApiProcess(
    async ({ db, origin }) => {
      const { key } = await new ApiKeyService(db.sql).create(
        `typed-client-${crypto.randomUUID().slice(0, 8)}`,
      );
      const api = createPayoutClient({ baseUrl: `${origin}/api`, apiKey: key });

      // Subscribed before the payouts exist, so the cancel below leaves a message to list.
      const endpoint = body(
        await api.POST("/webhook-endpoints", {
          body: {
            url: "http://127.0.0.1:9/typed-client-hooks",
            events: ["payout.canceled"],
            description: "typed client test",
          },
        }),
        201,
      );
      assert.match(endpoint.secret, /^whsec_/);
      assert.deepEqual(endpoint.events, ["payout.canceled"]);

      const draft: Schemas["CreatePayout"] = {
        amount: "125.50",
        currency: "EUR",
        recipient_details: { account: "DE89370400440532013000", name: "Ada Lovelace" },
        description: "typed client",
      };
      const idempotencyKey = `typed-${crypto.randomUUID()}`;
      const create = () =>
        api.POST("/payouts", {
          params: { header: { "idempotency-key": idempotencyKey } },
          body: draft,
        });
      const first = await create();
      const created = body(first, 201);
      assert.equal(created.status, "pending");
      assert.equal(created.amount, "125.50");
      assert.equal(first.response.headers.get("location"), `/api/payouts/${created.id}/`);
      const replay = await create();
      assert.deepEqual(body(replay, 201), created, "a replay answers the first response");
      assert.equal(replay.response.headers.get("idempotent-replayed"), "true");

      const read = await api.GET("/payouts/{id}", { params: { path: { id: created.id } } });
      assert.deepEqual(body(read, 200), created);
      const etag = etagOf(read);

      const others: string[] = [];
      for (const amount of ["1.00", "2.00", "3.00", "4.00"]) {
        const answer = await api.POST("/payouts", { body: { ...draft, amount } });
        others.push(body(answer, 201).id);
      }
      const { ids, pages } = await listAll(api, 2);
      assert.deepEqual(pages, [2, 2, 1], "five payouts, two a page");
      assert.deepEqual(ids, [...others.reverse(), created.id], "each once, newest first");

      const patch = await api.PATCH("/payouts/{id}", {
        params: { path: { id: created.id }, header: { "if-match": etag } },
        body: { amount: "99.90", description: "typed client, changed" },
      });
      const patched = body(patch, 200);
      assert.equal(patched.amount, "99.90");
      assert.equal(patched.description, "typed client, changed");
      const newEtag = etagOf(patch);
      assert.notEqual(newEtag, etag);
      const stale = await api.PATCH("/payouts/{id}", {
        params: { path: { id: created.id }, header: { "if-match": etag } },
        body: { description: "lost update" },
      });
      problem(stale, 412);

      const events = body(
        await api.GET("/payouts/{id}/events", { params: { path: { id: created.id } } }),
        200,
      );
      assert.deepEqual(events.results.map((event) => event.type), ["created", "updated"]);
      assert.match(events.results[0].actor, /^api:typed-client-/);

      const cancel = await api.DELETE("/payouts/{id}", {
        params: { path: { id: created.id }, header: { "if-match": newEtag } },
      });
      assert.equal(cancel.response.status, 204);
      problem(await api.GET("/payouts/{id}", { params: { path: { id: created.id } } }), 404);
      problem(
        await api.GET("/payouts/{id}/events", { params: { path: { id: created.id } } }),
        404,
      );

      const deliveries = body(
        await api.GET("/webhook-endpoints/{id}/deliveries", {
          params: { path: { id: endpoint.id } },
        }),
        200,
      );
      assert.deepEqual(
        deliveries.results.map((delivery) => [delivery.event_type, delivery.payout_id]),
        [["payout.canceled", created.id]],
      );
      // No worker runs here, so the message waits for its first attempt.
      assert.equal(deliveries.results[0].status, "pending");
      assert.deepEqual(deliveries.results[0].attempts, []);
    },
    // The endpoint's loopback URL is accepted (and never called: no worker runs).
    { WEBHOOK_ALLOW_HTTP: "true", WEBHOOK_ALLOW_PRIVATE: "true" },
  ));
