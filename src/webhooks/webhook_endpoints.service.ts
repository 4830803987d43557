/** Use cases of the webhook endpoint API: URL policy, secrets, the delivery log and retries. */
import { EndpointDisabledError, NotFoundError, ValidationError } from "../errors.ts";
import type { PagePosition } from "../db/page_cursor.ts";
import type { Db } from "../db/types.ts";
import { isUuid } from "../ids.ts";
import { generateSecret } from "./secret.ts";
import { type UrlPolicy, urlProblem } from "./url_guard.ts";
import { type CursorKind, decodeWebhookCursor, encodeWebhookCursor } from "./webhook_cursor.ts";
import {
  findDelivery,
  insertTestMessage,
  listDeliveries,
  retryMessage,
} from "./webhook_deliveries.repository.ts";
import type { DeliveryStatus, WebhookDelivery, WebhookEndpoint } from "./webhook_endpoint.ts";
import {
  deleteEndpoint,
  type EndpointPatch,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  updateEndpoint,
} from "./webhook_endpoints.repository.ts";
import type { SubscribedEvent } from "../events/event_types.ts";

export interface WebhookEndpointServiceDeps {
  sql: Db;
  /** Which URLs endpoints may have (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE). */
  urlPolicy: UrlPolicy;
  /** How long the previous secret still signs messages after a rotation. */
  secretGraceMs: number;
}

export interface CreateEndpointInput {
  url: string;
  events: SubscribedEvent[];
  description?: string;
}

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

const DEFAULT_PAGE_SIZE = 20;
const ENDPOINT_NOT_FOUND = "No webhook endpoint with this id.";
const MESSAGE_NOT_FOUND = "No message with this id was sent to this webhook endpoint.";
const MESSAGE_ID = /^msg_[0-9a-f]{32}$/;
export const TEST_MESSAGE_TEXT = "A test message from the payout service.";

export class WebhookEndpointService {
  constructor(private readonly deps: WebhookEndpointServiceDeps) {}

  /** Creates an enabled endpoint; its secret is returned here and on rotation only. */
  async create(
    input: CreateEndpointInput,
    apiKeyId: string | null,
  ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const url = await this.checkUrl(input.url);
    const secret = generateSecret();
    const endpoint = await insertEndpoint(this.deps.sql, {
      url,
      events: input.events,
      description: input.description ?? "",
      secret,
      apiKeyId,
    });
    return { endpoint, secret };
  }

  async get(id: string): Promise<WebhookEndpoint> {
    const endpoint = isUuid(id) ? await findEndpoint(this.deps.sql, id.toLowerCase()) : undefined;
    if (!endpoint) throw new NotFoundError(ENDPOINT_NOT_FOUND);
    return endpoint;
  }

  async list(
    request: PageRequest,
  ): Promise<{ endpoints: WebhookEndpoint[]; nextCursor: string | null }> {
    const page = await listEndpoints(this.deps.sql, {
      limit: request.limit ?? DEFAULT_PAGE_SIZE,
      after: afterOf("endpoints", request.cursor),
    });
    return { endpoints: page.endpoints, nextCursor: nextCursorOf("endpoints", page) };
  }

  /** Applies a PATCH: the URL is judged (400) before the endpoint is looked up (404). */
  async update(id: string, patch: EndpointPatch): Promise<WebhookEndpoint> {
    const checked = patch.url === undefined
      ? patch
      : { ...patch, url: await this.checkUrl(patch.url) };
    const updated = isUuid(id)
      ? await updateEndpoint(this.deps.sql, id.toLowerCase(), checked)
      : undefined;
    if (!updated) throw new NotFoundError(ENDPOINT_NOT_FOUND);
    return updated;
  }

  /** Deletes the endpoint for the API; the row and its delivery log stay for audit. */
  async delete(id: string): Promise<void> {
    if (!isUuid(id) || !await deleteEndpoint(this.deps.sql, id.toLowerCase())) {
      throw new NotFoundError(ENDPOINT_NOT_FOUND);
    }
  }

  /** A new secret; the old one keeps signing (as previous secret) for the grace period. */
  async rotateSecret(id: string): Promise<string> {
    const secret = generateSecret();
    const rotated = isUuid(id) &&
      await rotateEndpointSecret(this.deps.sql, id.toLowerCase(), secret, this.deps.secretGraceMs);
    if (!rotated) throw new NotFoundError(ENDPOINT_NOT_FOUND);
    return secret;
  }

  /** Queues a `webhook.test` message for the endpoint; a disabled one is a 409. */
  async sendTest(id: string): Promise<WebhookDelivery> {
    const endpoint = await this.get(id);
    if (endpoint.status === "disabled") throw new EndpointDisabledError();
    const messageId = await insertTestMessage(this.deps.sql, endpoint.id, TEST_MESSAGE_TEXT);
    if (messageId) return await this.delivery(endpoint.id, messageId);
    // Deleted (404) or disabled (409) since it was read.
    await this.get(endpoint.id);
    throw new EndpointDisabledError();
  }

  async deliveries(
    id: string,
    request: PageRequest & { status?: DeliveryStatus },
  ): Promise<{ deliveries: WebhookDelivery[]; nextCursor: string | null }> {
    const after = afterOf("deliveries", request.cursor);
    const endpoint = await this.get(id);
    const page = await listDeliveries(this.deps.sql, endpoint.id, {
      limit: request.limit ?? DEFAULT_PAGE_SIZE,
      after,
      status: request.status ?? null,
    });
    return { deliveries: page.deliveries, nextCursor: nextCursorOf("deliveries", page) };
  }

  /**
   * Makes a message due again now, whatever its status. Checks run as 404 (endpoint, then
   * message), then 409 (endpoint disabled).
   */
  async retry(id: string, messageId: string): Promise<WebhookDelivery> {
    const endpoint = await this.get(id);
    if (!MESSAGE_ID.test(messageId)) throw new NotFoundError(MESSAGE_NOT_FOUND);
    // The update itself checks the endpoint is still there and enabled.
    if (!await retryMessage(this.deps.sql, endpoint.id, messageId)) {
      await this.delivery(endpoint.id, messageId); // not this endpoint's message: 404
      await this.get(endpoint.id); // deleted since it was read: 404
      throw new EndpointDisabledError();
    }
    return await this.delivery(endpoint.id, messageId);
  }

  private async delivery(endpointId: string, messageId: string): Promise<WebhookDelivery> {
    const delivery = await findDelivery(this.deps.sql, endpointId, messageId);
    if (!delivery) throw new NotFoundError(MESSAGE_NOT_FOUND);
    return delivery;
  }

  /** The URL as it will be called (WHATWG-normalised), or a 400 naming `url`. */
  private async checkUrl(raw: string): Promise<string> {
    const problem = await urlProblem(raw, this.deps.urlPolicy);
    if (problem) throw new ValidationError([{ path: "url", message: problem }]);
    return new URL(raw).href;
  }
}

function afterOf(kind: CursorKind, cursor: string | undefined): PagePosition | null {
  if (cursor === undefined) return null;
  const after = decodeWebhookCursor(kind, cursor);
  if (!after) {
    throw new ValidationError([{ path: "cursor", message: "is not a cursor from this API" }]);
  }
  return after;
}

function nextCursorOf(
  kind: CursorKind,
  page: { last: PagePosition | null; more: boolean },
): string | null {
  return page.more && page.last ? encodeWebhookCursor(kind, page.last) : null;
}
