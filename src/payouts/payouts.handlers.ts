/** The payout routes' handlers: HTTP in, service call, HTTP out. */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { apiPrefix } from "../http/api_prefix.ts";
import { type ApiHandlers, registerRoutes } from "../http/api_route.ts";
import { parseIfMatch } from "../http/if_match.ts";
import type { AppEnv } from "../http/request_context.ts";
import { validationHook } from "../http/validation_hook.ts";
import { answerCreate } from "./create_answer.ts";
import type { Actor } from "./payouts.repository.ts";
import { PAYOUT_READ_ONLY_FIELDS } from "./payouts.schemas.ts";
import { type Payout, payoutEtag } from "./payout.ts";
import { presentEvent, presentPayout } from "./payouts.presenter.ts";
import { PAYOUT_ROUTES } from "./payouts.routes.ts";
import type { PayoutService } from "./payouts.service.ts";

function actorOf(c: Context<AppEnv>): Actor {
  const key = c.get("apiKey");
  return key ? { name: `api:${key.name}`, apiKeyId: key.id } : { name: "api", apiKeyId: null };
}

function ifMatchOf(c: Context) {
  return parseIfMatch(c.req.header("if-match"));
}

function createdHeaders(c: Context, payout: Payout): Record<string, string> {
  return { Location: `${apiPrefix(c)}/payouts/${payout.id}/`, ETag: payoutEtag(payout) };
}

/** 200 with the payout and its ETag: what reading, changing and deciding on one answer. */
function payoutResponse(c: Context, payout: Payout) {
  c.header("ETag", payoutEtag(payout));
  return c.json(presentPayout(payout), 200);
}

/** The payout API as an OpenAPI-described sub-app, mounted under each API prefix. */
export function payoutRoutes(service: PayoutService) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: validationHook(PAYOUT_READ_ONLY_FIELDS),
    strict: false,
  });
  registerRoutes(app, PAYOUT_ROUTES, payoutHandlers(service));
  return app;
}

function payoutHandlers(service: PayoutService): ApiHandlers<typeof PAYOUT_ROUTES> {
  return {
    createPayout: async function createPayoutHandler(c) {
      const input = c.req.valid("json");
      const body = await answerCreate(c, {
        create: () => service.create(input, actorOf(c)),
        createIdempotent: (request, respond) =>
          service.createIdempotent(input, actorOf(c), request, respond),
        headers: (payout) => createdHeaders(c, payout),
        body: (payout: Payout) => presentPayout(payout),
      });
      return c.json(body, 201);
    },

    listPayouts: async function listPayoutsHandler(c) {
      const page = await service.list(c.req.valid("query"));
      return c.json(
        { results: page.payouts.map(presentPayout), next_cursor: page.nextCursor },
        200,
      );
    },

    getPayout: async function getPayoutHandler(c) {
      return payoutResponse(c, await service.get(c.req.valid("param").id));
    },

    updatePayout: async function updatePayoutHandler(c) {
      const { id } = c.req.valid("param");
      const payout = await service.update(id, c.req.valid("json"), ifMatchOf(c), actorOf(c));
      return payoutResponse(c, payout);
    },

    cancelPayout: async function cancelPayoutHandler(c) {
      await service.cancel(c.req.valid("param").id, ifMatchOf(c), actorOf(c));
      return c.body(null, 204);
    },

    approvePayout: async function approvePayoutHandler(c) {
      const { id } = c.req.valid("param");
      return payoutResponse(c, await service.approve(id, ifMatchOf(c), actorOf(c)));
    },

    rejectPayout: async function rejectPayoutHandler(c) {
      const { id } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      return payoutResponse(c, await service.reject(id, reason, ifMatchOf(c), actorOf(c)));
    },

    listPayoutEvents: async function listPayoutEventsHandler(c) {
      const events = await service.events(c.req.valid("param").id);
      return c.json({ results: events.map(presentEvent) }, 200);
    },
  };
}
