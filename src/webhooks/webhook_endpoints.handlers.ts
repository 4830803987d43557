/** The webhook endpoint routes' handlers: HTTP in, service call, HTTP out. */
import { OpenAPIHono } from "@hono/zod-openapi";
import { apiPrefix } from "../http/api_prefix.ts";
import { type ApiHandlers, registerRoutes } from "../http/api_route.ts";
import type { AppEnv } from "../http/request_context.ts";
import { validationHook } from "../http/validation_hook.ts";
import { WEBHOOK_READ_ONLY_FIELDS } from "./webhook_endpoints.schemas.ts";
import { presentDelivery, presentEndpoint } from "./webhook_endpoints.presenter.ts";
import { WEBHOOK_ENDPOINT_ROUTES } from "./webhook_endpoints.routes.ts";
import type { WebhookEndpointService } from "./webhook_endpoints.service.ts";

/** The webhook endpoint API as an OpenAPI-described sub-app, mounted with the payout one. */
export function webhookEndpointRoutes(service: WebhookEndpointService) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: validationHook(WEBHOOK_READ_ONLY_FIELDS),
    strict: false,
  });
  registerRoutes(app, WEBHOOK_ENDPOINT_ROUTES, webhookEndpointHandlers(service));
  return app;
}

function webhookEndpointHandlers(
  service: WebhookEndpointService,
): ApiHandlers<typeof WEBHOOK_ENDPOINT_ROUTES> {
  return {
    createWebhookEndpoint: async function createWebhookEndpointHandler(c) {
      const { endpoint, secret } = await service.create(
        c.req.valid("json"),
        c.get("apiKey")?.id ?? null,
      );
      c.header("Location", `${apiPrefix(c)}/webhook-endpoints/${endpoint.id}/`);
      return c.json({ ...presentEndpoint(endpoint), secret }, 201);
    },

    listWebhookEndpoints: async function listWebhookEndpointsHandler(c) {
      const page = await service.list(c.req.valid("query"));
      return c.json({
        results: page.endpoints.map(presentEndpoint),
        next_cursor: page.nextCursor,
      }, 200);
    },

    getWebhookEndpoint: async function getWebhookEndpointHandler(c) {
      return c.json(presentEndpoint(await service.get(c.req.valid("param").id)), 200);
    },

    updateWebhookEndpoint: async function updateWebhookEndpointHandler(c) {
      const endpoint = await service.update(c.req.valid("param").id, c.req.valid("json"));
      return c.json(presentEndpoint(endpoint), 200);
    },

    deleteWebhookEndpoint: async function deleteWebhookEndpointHandler(c) {
      await service.delete(c.req.valid("param").id);
      return c.body(null, 204);
    },

    rotateWebhookEndpointSecret: async function rotateWebhookEndpointSecretHandler(c) {
      return c.json({ secret: await service.rotateSecret(c.req.valid("param").id) }, 200);
    },

    testWebhookEndpoint: async function testWebhookEndpointHandler(c) {
      return c.json(presentDelivery(await service.sendTest(c.req.valid("param").id)), 202);
    },

    listWebhookEndpointDeliveries: async function listWebhookEndpointDeliveriesHandler(c) {
      const page = await service.deliveries(c.req.valid("param").id, c.req.valid("query"));
      return c.json({
        results: page.deliveries.map(presentDelivery),
        next_cursor: page.nextCursor,
      }, 200);
    },

    retryWebhookEndpointDelivery: async function retryWebhookEndpointDeliveryHandler(c) {
      const { id, message_id } = c.req.valid("param");
      return c.json(presentDelivery(await service.retry(id, message_id)), 202);
    },
  };
}
