/** The recipient routes' handlers: HTTP in, service call, HTTP out. */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { MissingScopeError } from "../errors.ts";
import { type ApiHandlers, registerRoutes } from "../http/api_route.ts";
import { parseIfMatch } from "../http/if_match.ts";
import type { AppEnv } from "../http/request_context.ts";
import { validationHook } from "../http/validation_hook.ts";
import { parseIdempotencyKey } from "../idempotency/idempotency_key.ts";
import { requestHash } from "../idempotency/request_hash.ts";
import { type Recipient, type RecipientActor, recipientEtag } from "./recipient.ts";
import { presentRecipient, presentRecipientEvent } from "./recipients.presenter.ts";
import { RECIPIENT_ROUTES } from "./recipients.routes.ts";
import { RECIPIENT_READ_ONLY_FIELDS } from "./recipients.schemas.ts";
import type { RecipientService } from "./recipients.service.ts";

/** The scope that `?reveal=true` needs besides the route's own. */
export const REVEAL_SCOPE = "recipients:reveal";

function actorOf(c: Context<AppEnv>): RecipientActor {
  const key = c.get("apiKey");
  return {
    name: key ? `api:${key.name}` : "api",
    apiKeyId: key?.id ?? null,
    requestId: c.get("requestId") ?? null,
  };
}

/** `/api` or `/api/v1`: Location headers use the prefix the request used. */
function prefixOf(c: Context): string {
  return c.req.path.startsWith("/api/v1/") ? "/api/v1" : "/api";
}

function createdHeaders(c: Context, recipient: Recipient): Record<string, string> {
  return {
    Location: `${prefixOf(c)}/recipients/${recipient.id}/`,
    ETag: recipientEtag(recipient),
  };
}

/** The recipient API as an OpenAPI-described sub-app, mounted with the payout one. */
export function recipientRoutes(service: RecipientService) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: validationHook(RECIPIENT_READ_ONLY_FIELDS),
    strict: false,
  });
  registerRoutes(app, RECIPIENT_ROUTES, recipientHandlers(service));
  return app;
}

function recipientHandlers(service: RecipientService): ApiHandlers<typeof RECIPIENT_ROUTES> {
  return {
    createRecipient: async function createRecipientHandler(c) {
      const input = c.req.valid("json");
      const key = parseIdempotencyKey(c.req.header("idempotency-key"));
      const apiKey = c.get("apiKey"); // always set behind bearerAuth
      if (key !== undefined && apiKey) {
        const { response, replayed } = await service.createIdempotent(
          input,
          actorOf(c),
          // The raw document, not the validated one: as for payouts.
          { apiKeyId: apiKey.id, key, requestHash: requestHash(c.get("body")) },
          (recipient) => ({
            status: 201,
            headers: createdHeaders(c, recipient),
            body: presentRecipient(recipient),
          }),
        );
        for (const [name, value] of Object.entries(response.headers)) c.header(name, value);
        if (replayed) c.header("Idempotent-Replayed", "true");
        return c.json(
          response.body as ReturnType<typeof presentRecipient>,
          response.status as 201,
        );
      }
      const recipient = await service.create(input, actorOf(c));
      for (const [name, value] of Object.entries(createdHeaders(c, recipient))) {
        c.header(name, value);
      }
      return c.json(presentRecipient(recipient), 201);
    },

    listRecipients: async function listRecipientsHandler(c) {
      const page = await service.list(c.req.valid("query"));
      return c.json({
        results: page.recipients.map((recipient) => presentRecipient(recipient)),
        next_cursor: page.nextCursor,
      }, 200);
    },

    getRecipient: async function getRecipientHandler(c) {
      const { id } = c.req.valid("param");
      const reveal = c.req.valid("query").reveal ?? false;
      // The route's scope (recipients:read) was checked in front; revealing needs one more,
      // judged before the recipient is looked up, as a missing scope always is.
      if (reveal && !c.get("apiKey")?.scopes.includes(REVEAL_SCOPE)) {
        throw new MissingScopeError(REVEAL_SCOPE);
      }
      const recipient = reveal ? await service.reveal(id, actorOf(c)) : await service.get(id);
      c.header("ETag", recipientEtag(recipient));
      return c.json(presentRecipient(recipient, { reveal }), 200);
    },

    patchRecipient: async function patchRecipientHandler(c) {
      const { id } = c.req.valid("param");
      const ifMatch = parseIfMatch(c.req.header("if-match"));
      const recipient = await service.update(id, c.req.valid("json"), ifMatch, actorOf(c));
      c.header("ETag", recipientEtag(recipient));
      return c.json(presentRecipient(recipient), 200);
    },

    deleteRecipient: async function deleteRecipientHandler(c) {
      const { id } = c.req.valid("param");
      await service.delete(id, parseIfMatch(c.req.header("if-match")), actorOf(c));
      return c.body(null, 204);
    },

    listRecipientEvents: async function listRecipientEventsHandler(c) {
      const events = await service.events(c.req.valid("param").id);
      return c.json({ results: events.map(presentRecipientEvent) }, 200);
    },
  };
}
