/**
 * The console's two static files, served by the app itself so the console works offline:
 * htmx straight from its npm package (as Swagger UI is served from swagger-ui-dist) and
 * the one hand-written stylesheet. Read once, then kept in memory.
 */
import type { Handler } from "hono";
import type { ConsoleEnv } from "./env.ts";

const FILES = {
  htmx: {
    url: () => import.meta.resolve("htmx.org/dist/htmx.min.js"),
    type: "text/javascript; charset=utf-8",
  },
  css: {
    url: () => new URL("./assets/console.css", import.meta.url).href,
    type: "text/css; charset=utf-8",
  },
} as const;

const cache = new Map<string, Uint8Array<ArrayBuffer>>();

async function read(name: keyof typeof FILES): Promise<Uint8Array<ArrayBuffer>> {
  let bytes = cache.get(name);
  if (!bytes) {
    bytes = await Deno.readFile(new URL(FILES[name].url())) as Uint8Array<ArrayBuffer>;
    cache.set(name, bytes);
  }
  return bytes;
}

export function assetHandlers() {
  const serve = (name: keyof typeof FILES): Handler<ConsoleEnv> => async (c) =>
    c.body(await read(name), 200, { "Content-Type": FILES[name].type });
  return { htmx: serve("htmx"), css: serve("css") };
}
