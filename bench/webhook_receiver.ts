/**
 * The subscriber of the benchmark's webhook runs: a local HTTP server that answers every
 * delivery with 204 at once and counts them. It runs in the benchmark's own process, so its
 * CPU is part of what the run costs the machine, as a real receiver's would be elsewhere.
 */

export interface WebhookReceiver {
  url: string;
  /** Deliveries received so far. */
  received(): number;
  close(): Promise<void>;
}

export function startWebhookReceiver(): WebhookReceiver {
  let count = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      await request.body?.cancel();
      count++;
      return new Response(null, { status: 204 });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/webhooks`,
    received: () => count,
    close: () => server.shutdown(),
  };
}

/** Subscribes `url` to every event type through the API; returns the endpoint's id. */
export async function subscribe(baseUrl: string, apiKey: string, url: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/webhook-endpoints/`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ url, events: ["*"], description: "benchmark receiver" }),
  });
  const body = await response.json();
  if (response.status !== 201) {
    throw new Error(`creating the webhook endpoint: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.id;
}

/** Deletes the endpoint through the API, so the runs without webhooks have none. */
export async function unsubscribe(baseUrl: string, apiKey: string, id: string): Promise<void> {
  const response = await fetch(`${baseUrl}/api/webhook-endpoints/${id}/`, {
    method: "DELETE",
    headers: { Authorization: `Bearer ${apiKey}` },
  });
  await response.body?.cancel();
  if (response.status !== 204) throw new Error(`deleting the webhook endpoint: ${response.status}`);
}
