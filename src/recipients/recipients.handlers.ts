/** The recipient routes' handlers: HTTP in, service call, HTTP out. */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { MissingScopeError } from "../errors.ts";
import { apiPrefix } from "../http/api_prefix.ts";
import { type ApiHandlers, registerRoutes } from "../http/api_route.ts";
import { parseIfMatch } from "../http/if_match.ts";
import type { AppEnv } from "../http/request_context.ts";
import { validationHook } from "../http/validation_hook.ts";
import { answerCreate } from "../payouts/create_answer.ts";
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

function createdHeaders(c: Context, recipient: Recipient): Record<string, string> {
  return {
    Location: `${apiPrefix(c)}/recipients/${recipient.id}/`,
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
      const body = await answerCreate(c, {
        create: () => service.create(input, actorOf(c)),
        createIdempotent: (request, respond) =>
          service.createIdempotent(input, actorOf(c), request, respond),
        headers: (recipient) => createdHeaders(c, recipient),
        body: (recipient) => presentRecipient(recipient),
      });
      return c.json(body, 201);
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

    updateRecipient: async function updateRecipientHandler(c) {
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
