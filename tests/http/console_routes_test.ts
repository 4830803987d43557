/**
 * Every console route, walked from the one table the app registers them from: without a
 * session pages and actions redirect to the sign-in page and fragments (and any htmx
 * request) get a 401; every action refuses a missing or wrong CSRF token; every response
 * carries no-store and anti-framing headers; routes are refused without their scope.
 */
import assert from "node:assert/strict";
import { CONSOLE_ROUTES, type ConsoleRoute } from "../../src/console/routes.ts";
import { withConsoleApp } from "../helpers/console_app.ts";

const ROUTES: [string, ConsoleRoute][] = Object.entries(CONSOLE_ROUTES);
const GUARDED = ROUTES.filter(([, route]) => route.kind !== "public");
const ACTIONS = ROUTES.filter(([, route]) => route.kind === "action");

function assertConsoleHeaders(response: Response, what: string) {
  assert.equal(response.headers.get("cache-control"), "no-store", `${what}: no-store`);
  assert.equal(response.headers.get("x-frame-options"), "DENY", `${what}: X-Frame-Options`);
  assert.match(response.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
  assert.match(response.headers.get("content-security-policy") ?? "", /script-src 'self'/);
}

function formPost(): RequestInit {
  return {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "",
  };
}

Deno.test("the route table covers every route the console registers", () =>
  withConsoleApp((t) => {
    const registered = new Set(
      t.app.routes
        .filter((r) => /^\/console(\/|$)/.test(r.path) && r.method !== "ALL")
        .map((r) => `${r.method} ${r.path.replace(/^\/console/, "") || "/"}`),
    );
    const table = new Set(ROUTES.map(([, r]) => `${r.method} ${r.path}`));
    assert.deepEqual([...registered].sort(), [...table].sort());
  }));

Deno.test("without a session every page and action redirects to the sign-in page and every fragment is a 401", () =>
  withConsoleApp(async (t) => {
    for (const [name, route] of GUARDED) {
      const init = route.method === "POST" ? formPost() : {};
      const response = await t.request(`/console${route.example}`, init);
      await response.body?.cancel();
      assertConsoleHeaders(response, name);
      if (route.kind === "fragment") {
        assert.equal(response.status, 401, `${name} is a 401`);
        assert.equal(response.headers.get("hx-redirect"), "/console/sign-in");
      } else {
        assert.equal(response.status, 303, `${name} redirects`);
        assert.equal(response.headers.get("location"), "/console/sign-in", name);
      }
      // htmx expects a fragment, never a redirect to follow.
      const htmx = await t.request(`/console${route.example}`, {
        ...init,
        headers: { ...(init.headers ?? {}), "HX-Request": "true" },
      });
      await htmx.body?.cancel();
      assert.equal(htmx.status, 401, `${name} from htmx is a 401`);
    }
    for (const path of ["/console", "/console/", "/console/nothing-here", "/console/payouts/x/y"]) {
      const response = await t.request(path);
      await response.body?.cancel();
      assert.equal(response.status, 303, path);
    }
    const stale = await t.request("/console/", { headers: { Cookie: "console_session=bogus" } });
    assert.equal(stale.status, 303);
  }));

Deno.test("the public routes (sign-in form, htmx, stylesheet) answer without a session", () =>
  withConsoleApp(async (t) => {
    for (
      const [name, route] of ROUTES.filter(([, r]) => r.kind === "public" && r.method === "GET")
    ) {
      const response = await t.request(`/console${route.example}`);
      const body = await response.text();
      assert.equal(response.status, 200, name);
      assert.ok(body.length > 100, name);
      assertConsoleHeaders(response, name);
    }
    const htmx = await t.request("/console/assets/htmx.min.js");
    assert.match(htmx.headers.get("content-type") ?? "", /javascript/);
    assert.match(await htmx.text(), /htmx/);
  }));

Deno.test("every action refuses a missing or wrong CSRF token with a 403 and changes nothing", () =>
  withConsoleApp(async (t) => {
    const { key } = await t.createKey();
    const browser = await t.signedIn(key);
    const good = await browser.csrfToken();
    const [{ before }] = await t.db.sql<{ before: number }[]>`
      select count(*)::int as before from console_sessions
    `;
    for (const [name, route] of ACTIONS) {
      const missing = await browser.fetch(`/console${route.example}`, formPost());
      assert.equal(missing.status, 403, `${name} without a token`);
      assert.match(await missing.text(), /form has expired or did not come from the console/);
      assertConsoleHeaders(missing, name);
      const wrong = await browser.post(`/console${route.example}`, { csrf_token: `${good}x` });
      await wrong.body?.cancel();
      assert.equal(wrong.status, 403, `${name} with a wrong token`);
      const header = await browser.fetch(`/console${route.example}`, {
        method: "POST",
        headers: { "X-CSRF-Token": good.slice(1) },
      });
      await header.body?.cancel();
      assert.equal(header.status, 403, `${name} with a wrong header`);
    }
    // Sign-out was refused too: the session still works.
    const [{ after }] = await t.db.sql<{ after: number }[]>`
      select count(*)::int as after from console_sessions
    `;
    assert.equal(after, before);
    assert.equal((await browser.fetch("/console/")).status, 200);
  }));

Deno.test("the CSRF token is also accepted as the X-CSRF-Token header htmx sends", () =>
  withConsoleApp(async (t) => {
    const { key } = await t.createKey();
    const browser = await t.signedIn(key);
    const token = await browser.csrfToken();
    const response = await browser.fetch("/console/sign-out", {
      method: "POST",
      headers: { "X-CSRF-Token": token, "HX-Request": "true" },
    });
    assert.equal(response.status, 303);
    assert.ok(!browser.cookies.has("console_session"));
  }));

Deno.test("each route needs its scope: a console-only key gets 403 on the payout and queue routes", () =>
  withConsoleApp(async (t) => {
    const { key } = await t.createKey(["console"]);
    const browser = await t.signedIn(key);
    const token = await browser.csrfToken();
    for (const [name, route] of GUARDED.filter(([, r]) => r.scope !== null)) {
      const response = route.method === "POST"
        ? await browser.post(`/console${route.example}`, { csrf_token: token })
        : await browser.fetch(`/console${route.example}`);
      const html = await response.text();
      assert.equal(response.status, 403, name);
      assert.ok(html.includes(`lacks the scope ${route.scope}`), name);
    }
    const overview = await browser.fetch("/console/");
    await overview.body?.cancel();
    assert.equal(overview.status, 200, "the overview needs only console");
  }));

Deno.test("signed in, an unknown console path is a plain 404 page and a wrong method a 405", () =>
  withConsoleApp(async (t) => {
    const { key } = await t.createKey();
    const browser = await t.signedIn(key);
    const missing = await browser.fetch("/console/nothing-here");
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await missing.text(), /Request id/);
    const wrong = await browser.fetch("/console/queues", { method: "DELETE" });
    await wrong.body?.cancel();
    assert.equal(wrong.status, 405);
  }));
