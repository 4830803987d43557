/**
 * Swagger UI served from the `swagger-ui-dist` package by the app itself, so the docs page
 * works with no internet; no inline script, so a strict CSP can guard it.
 */
import type { Hono } from "hono";
import type { AppEnv } from "./request_context.ts";
// Only the path helper: the package's main module would load the whole UI bundle into the
// API's heap (about 35 MB of RSS) just to serve it as files.
import getAbsoluteFSPath from "swagger-ui-dist/absolute-path.js";

const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

function page(prefix: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Payout API</title>
  <link rel="stylesheet" href="${prefix}/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="${prefix}/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${prefix}/docs/assets/swagger-ui-bundle.js"></script>
  <script src="${prefix}/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="${prefix}/docs/init.js"></script>
</body>
</html>`;
}

function initScript(prefix: string): string {
  return `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(`${prefix}/schema/`)},
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
  validatorUrl: null,
});
`;
}

const cache = new Map<string, Uint8Array>();

async function asset(name: string): Promise<Uint8Array> {
  let bytes = cache.get(name);
  if (!bytes) {
    bytes = await Deno.readFile(`${getAbsoluteFSPath()}/${name}`);
    cache.set(name, bytes);
  }
  return bytes;
}

/** Mounts `<prefix>/docs/` (page, init script, assets) for each API prefix. */
export function mountDocs(app: Hono<AppEnv>, prefixes: string[]): void {
  for (const prefix of prefixes) {
    app.get(`${prefix}/docs`, (c) => {
      c.header("Content-Security-Policy", CSP);
      return c.html(page(prefix));
    });
    app.get(`${prefix}/docs/init.js`, (c) => {
      return c.body(initScript(prefix), 200, { "Content-Type": "text/javascript; charset=utf-8" });
    });
    app.get(`${prefix}/docs/assets/:name`, async (c) => {
      const name = c.req.param("name");
      const type = ASSETS[name];
      if (!type) return c.notFound();
      return c.body(await asset(name) as Uint8Array<ArrayBuffer>, 200, {
        "Content-Type": type,
        "Cache-Control": "public, max-age=86400",
      });
    });
  }
}
