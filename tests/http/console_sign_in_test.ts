/**
 * Signing in to the operator console through app.request(), against real Postgres: the
 * cookie's flags, refusals (unknown, revoked, no console scope), expiry, sliding, sign-out,
 * and that the key itself never shows up in a page, a Location or a log line.
 */
import assert from "node:assert/strict";
import { type ConsoleTestApp, withConsoleApp } from "../helpers/console_app.ts";
import { waitFor } from "../helpers/wait.ts";

function sessionCookieLine(response: Response): string {
  const line = response.headers.getSetCookie().find((l) => l.startsWith("console_session="));
  assert.ok(line, `a session cookie is set: ${response.headers.getSetCookie().join(" | ")}`);
  return line;
}

async function sessionCount(t: ConsoleTestApp): Promise<number> {
  const [{ n }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from console_sessions`;
  return n;
}

Deno.test("signing in with a console key sets an HttpOnly SameSite=Strict session cookie and opens the overview", () =>
  withConsoleApp(async (t) => {
    const { key, name } = await t.createKey();
    const browser = t.browser();
    const response = await browser.signIn(key);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "/console/");
    const cookie = sessionCookieLine(response);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\/console/);
    assert.doesNotMatch(cookie, /Secure/, "plain HTTP: no Secure flag, or the browser drops it");
    const overview = await browser.fetch("/console/");
    assert.equal(overview.status, 200);
    const html = await overview.text();
    assert.match(html, /<h1>Overview<\/h1>/);
    assert.ok(html.includes(name), "the page names the key");
  }));

Deno.test("behind TLS (X-Forwarded-Proto https or an https URL) the session cookie is Secure", () =>
  withConsoleApp(async (t) => {
    const { key } = await t.createKey();
    const proxied = await t.browser().signIn(key, { "X-Forwarded-Proto": "https" });
    assert.match(sessionCookieLine(proxied), /; Secure/);
    const form = await t.app.request("https://console.example/console/sign-in");
    const formCookie = form.headers.getSetCookie().find((l) => l.startsWith("console_sign_in="));
    assert.match(formCookie ?? "", /; Secure/);
    const token = /name="form_token" value="([^"]+)"/.exec(await form.text())![1];
    const direct = await t.app.request("https://console.example/console/sign-in", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Cookie: `console_sign_in=${token}`,
      },
      body: new URLSearchParams({ form_token: token, key }),
    });
    assert.equal(direct.status, 303);
    assert.match(sessionCookieLine(direct), /; Secure/);
  }));

Deno.test("a wrong key is refused with a page that says so without echoing it", () =>
  withConsoleApp(async (t) => {
    const wrong = `pk_${"A".repeat(43)}`;
    const browser = t.browser();
    const response = await browser.signIn(wrong);
    assert.equal(response.status, 401);
    const html = await response.text();
    assert.match(html, /not valid or was revoked/);
    assert.ok(!html.includes(wrong), "the key is not in the page");
    assert.ok(!browser.cookies.has("console_session"));
    const garbage = await browser.signIn("not even a key <script>");
    assert.equal(garbage.status, 401);
    assert.ok(!(await garbage.text()).includes("<script>"));
  }));

Deno.test("a key without the console scope is refused", () =>
  withConsoleApp(async (t) => {
    const { key } = await t.createKey(["payouts:read", "payouts:write"]);
    const browser = t.browser();
    const response = await browser.signIn(key);
    assert.equal(response.status, 403);
    assert.match(await response.text(), /lacks the console scope/);
    assert.ok(!browser.cookies.has("console_session"));
  }));

Deno.test("a revoked key is refused, and revoking a signed-in key ends its session at once", () =>
  withConsoleApp(async (t) => {
    const { key, name } = await t.createKey();
    const browser = t.browser();
    assert.equal((await browser.signIn(key)).status, 303);
    assert.equal((await browser.fetch("/console/payouts")).status, 200);
    assert.ok(await t.apiKeys.revoke(name));
    const after = await browser.fetch("/console/payouts");
    assert.equal(after.status, 303);
    assert.equal(after.headers.get("location"), "/console/sign-in");
    const fragment = await browser.fetch("/console/fragments/overview");
    assert.equal(fragment.status, 401);
    assert.equal((await t.browser().signIn(key)).status, 401);
  }));

Deno.test("a session expires after its TTL without activity", () =>
  withConsoleApp(async (t) => {
    const { key } = await t.createKey();
    const browser = t.browser();
    assert.equal((await browser.signIn(key)).status, 303);
    // The fragment does not slide the session, so polling it cannot keep it alive.
    const status = await waitFor(async () => {
      const response = await browser.fetch("/console/fragments/overview");
      await response.body?.cancel();
      return response.status === 401 ? response.status : undefined;
    }, { timeoutMs: 10_000, message: "the session to expire" });
    assert.equal(status, 401);
    const page = await browser.fetch("/console/");
    assert.equal(page.status, 303);
    assert.equal(page.headers.get("location"), "/console/sign-in");
  }, { sessionTtlMs: 300 }));

Deno.test("pages and actions slide the session's expiry; the overview's live fragment does not", () =>
  withConsoleApp(async (t) => {
    const { key, id } = await t.createKey();
    const browser = await t.signedIn(key);
    const expiry = async () => {
      const [row] = await t.db.sql<{ expires_at: Date }[]>`
        select expires_at from console_sessions where api_key_id = ${id}
      `;
      return row.expires_at.getTime();
    };
    const signedIn = await expiry();
    await (await browser.fetch("/console/fragments/overview")).body?.cancel();
    assert.equal(await expiry(), signedIn, "the fragment left the expiry alone");
    await (await browser.fetch("/console/payouts")).body?.cancel();
    assert.ok(await expiry() > signedIn, "the page moved the expiry forward");
  }));

Deno.test("signing out ends the session: the old cookie no longer opens anything", () =>
  withConsoleApp(async (t) => {
    const { key } = await t.createKey();
    const browser = await t.signedIn(key);
    const stolen = browser.cookies.get("console_session")!;
    const response = await browser.post("/console/sign-out");
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "/console/sign-in?notice=signed_out");
    assert.ok(!browser.cookies.has("console_session"), "the cookie is deleted");
    const replay = await t.request("/console/", {
      headers: { Cookie: `console_session=${stolen}` },
    });
    assert.equal(replay.status, 303);
    assert.equal(await sessionCount(t), 0);
  }));

Deno.test("a sign-in post without the form's token (login CSRF) is refused", () =>
  withConsoleApp(async (t) => {
    const { key } = await t.createKey();
    const response = await t.request("/console/sign-in", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ key }),
    });
    assert.equal(response.status, 403);
    assert.ok(!response.headers.getSetCookie().some((l) => l.startsWith("console_session=")));
    assert.equal(await sessionCount(t), 0);
  }));

Deno.test("the key appears in no response body, Location header or log line", () =>
  withConsoleApp(async (t) => {
    const { key, name } = await t.createKey();
    const browser = t.browser();
    const seen: string[] = [];
    const record = async (response: Response) => {
      seen.push(await response.clone().text(), response.headers.get("location") ?? "");
      seen.push(...response.headers.getSetCookie());
      return response;
    };
    await record(await browser.signIn(key));
    await record(await browser.signIn(`${key}x`));
    await record(await browser.signIn(key));
    for (const path of ["/console/", "/console/payouts", "/console/queues"]) {
      await record(await browser.fetch(path));
    }
    await record(await browser.post("/console/sign-out"));
    assert.ok(seen.length > 10);
    for (const text of seen) assert.ok(!text.includes(key), "the key is not in a response");
    assert.ok(t.logLines.length > 5, "the requests were logged");
    for (const line of t.logLines) assert.ok(!line.includes(key), `the key is not in ${line}`);
    assert.ok(
      t.logLines.some((line) => line.includes('"console sign-in"') && line.includes(name)),
      "the sign-in is logged with the key's name",
    );
  }));
