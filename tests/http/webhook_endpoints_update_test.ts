import assert from "node:assert/strict";
import { createTestApp } from "../helpers/app.ts";
import { assertFieldError, assertProblem } from "./payout_fixtures.ts";
import { call, createEndpoint, type Endpoint, expectJson } from "./webhook_endpoint_fixtures.ts";

Deno.test("PATCH changes url, events and description and bumps updated_at", async () => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t);
    const path = `/api/webhook-endpoints/${endpoint.id}/`;
    const changed = await expectJson<Endpoint>(
      await call(t, "PATCH", path, {
        url: "https://93.184.216.35/v2",
        events: ["*"],
        description: "",
      }),
      200,
    );
    assert.equal(changed.url, "https://93.184.216.35/v2");
    assert.deepEqual(changed.events, ["*"]);
    assert.equal(changed.description, "");
    assert.equal(changed.status, "enabled");
    assert.equal(changed.created_at, endpoint.created_at);
    assert.ok(!("secret" in changed), "PATCH does not show the secret");
    assert.deepEqual(await expectJson(await call(t, "GET", path), 200), changed);
    const [row] = await t.db.sql`
      select updated_at > created_at as bumped, secret from webhook_endpoints
      where id = ${endpoint.id}
    `;
    assert.equal(row.bumped, true);
    assert.equal(row.secret, endpoint.secret, "the secret is untouched");

    const onlyEvents = await expectJson<Endpoint>(
      await call(t, "PATCH", path, { events: ["payout.created"] }),
      200,
    );
    assert.deepEqual(onlyEvents.events, ["payout.created"]);
    assert.equal(onlyEvents.url, changed.url, "fields not sent are kept");
  } finally {
    await t.close();
  }
});

Deno.test("PATCH answers under both prefixes, with and without a trailing slash", async () => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t);
    for (const prefix of ["/api", "/api/v1"]) {
      for (const slash of ["", "/"]) {
        const description = `${prefix}${slash}`;
        const path = `${prefix}/webhook-endpoints/${endpoint.id}${slash}`;
        const body = await expectJson<Endpoint>(await call(t, "PATCH", path, { description }), 200);
        assert.equal(body.description, description);
      }
    }
  } finally {
    await t.close();
  }
});

Deno.test("PATCH disables with a reason and re-enabling clears it and failing_since", async () => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t);
    const path = `/api/webhook-endpoints/${endpoint.id}/`;
    const disabled = await expectJson<Endpoint>(
      await call(t, "PATCH", path, { status: "disabled" }),
      200,
    );
    assert.equal(disabled.status, "disabled");
    assert.equal(typeof disabled.disabled_reason, "string");

    // As the worker leaves an endpoint it disabled for failing.
    await t.db.sql`
      update webhook_endpoints set failing_since = now() - interval '6 days',
        disabled_reason = 'Every attempt failed for 5 days.'
      where id = ${endpoint.id}
    `;
    const again = await expectJson<Endpoint>(
      await call(t, "PATCH", path, { status: "disabled" }),
      200,
    );
    assert.equal(again.disabled_reason, "Every attempt failed for 5 days.", "the reason stays");

    const enabled = await expectJson<Endpoint>(
      await call(t, "PATCH", path, { status: "enabled" }),
      200,
    );
    assert.equal(enabled.status, "enabled");
    assert.equal(enabled.disabled_reason, null);
    const [row] = await t.db.sql`
      select failing_since from webhook_endpoints where id = ${endpoint.id}
    `;
    assert.equal(row.failing_since, null);
  } finally {
    await t.close();
  }
});

Deno.test("PATCH validates each field like POST and rejects an empty object", async (ctx) => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t);
    const path = `/api/webhook-endpoints/${endpoint.id}/`;
    const cases: [string, unknown, string][] = [
      ["an empty object", {}, ""],
      ["a bad status", { status: "paused" }, "status"],
      ["a null status", { status: null }, "status"],
      ["empty events", { events: [] }, "events"],
      ["* with a type", { events: ["*", "payout.failed"] }, "events"],
      ["an unknown event", { events: ["payout.nope"] }, "events.0"],
      ["a null description", { description: null }, "description"],
      ["a long description", { description: "x".repeat(256) }, "description"],
      ["a null url", { url: null }, "url"],
      ["a read-only field", { secret: "whsec_x" }, "secret"],
      ["another", { disabled_reason: "x" }, "disabled_reason"],
      ["an unknown field", { foo: 1 }, "foo"],
    ];
    for (const [name, body, field] of cases) {
      await ctx.step(name, async () => {
        await assertFieldError(await call(t, "PATCH", path, body), field);
      });
    }
    const read = await expectJson<Endpoint>(await call(t, "GET", path), 200);
    assert.equal(read.updated_at, endpoint.updated_at, "nothing rejected changed it");
  } finally {
    await t.close();
  }
});

Deno.test("PATCH is a 404 for unknown, malformed and deleted ids, after validation", async () => {
  const t = await createTestApp();
  try {
    const deleted = await createEndpoint(t);
    assert.equal((await call(t, "DELETE", `/api/webhook-endpoints/${deleted.id}/`)).status, 204);
    for (const id of [crypto.randomUUID(), "nope", deleted.id]) {
      await assertProblem(
        await call(t, "PATCH", `/api/webhook-endpoints/${id}/`, { status: "enabled" }),
        404,
      );
      await assertProblem(await call(t, "PATCH", `/api/webhook-endpoints/${id}/`, {}), 400);
    }
  } finally {
    await t.close();
  }
});

Deno.test("DELETE answers 204, then the endpoint is a 404 everywhere but stays in the database", async () => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t);
    const base = `/api/webhook-endpoints/${endpoint.id}`;
    const deleted = await call(t, "DELETE", `${base}/`);
    assert.equal(deleted.status, 204);
    assert.equal(await deleted.text(), "");
    const after: [string, string, unknown?][] = [
      ["GET", `${base}/`],
      ["PATCH", `${base}/`, { description: "x" }],
      ["DELETE", `${base}/`],
      ["POST", `${base}/rotate-secret/`],
      ["POST", `${base}/test/`],
      ["GET", `${base}/deliveries/`],
      ["POST", `${base}/deliveries/msg_${"0".repeat(32)}/retry/`],
    ];
    for (const [method, path, body] of after) {
      await assertProblem(await call(t, method, path, body), 404);
    }
    const [row] = await t.db.sql`
      select deleted_at is not null as deleted, url from webhook_endpoints where id = ${endpoint.id}
    `;
    assert.deepEqual({ ...row }, { deleted: true, url: endpoint.url });
  } finally {
    await t.close();
  }
});

Deno.test("DELETE answers under both prefixes, with and without a trailing slash", async () => {
  const t = await createTestApp();
  try {
    for (const path of ["/api/webhook-endpoints/ID", "/api/v1/webhook-endpoints/ID/"]) {
      const endpoint = await createEndpoint(t);
      const response = await call(t, "DELETE", path.replace("ID", endpoint.id));
      assert.equal(response.status, 204, path);
    }
    await assertProblem(await call(t, "DELETE", `/api/webhook-endpoints/nope`), 404);
  } finally {
    await t.close();
  }
});

Deno.test("rotate-secret answers a new secret and keeps the old one for the grace period", async () => {
  const graceMs = 3_600_000;
  const t = await createTestApp({ secretGraceMs: graceMs });
  try {
    const endpoint = await createEndpoint(t);
    const path = `/api/webhook-endpoints/${endpoint.id}/rotate-secret/`;
    const rotated = await expectJson<{ secret: string }>(await call(t, "POST", path), 200);
    assert.deepEqual(Object.keys(rotated), ["secret"]);
    assert.match(rotated.secret, /^whsec_[A-Za-z0-9+/]+={0,2}$/);
    assert.ok(atob(rotated.secret.slice(6)).length >= 24);
    assert.notEqual(rotated.secret, endpoint.secret);
    const [row] = await t.db.sql`
      select secret, previous_secret,
        extract(epoch from previous_secret_expires_at - updated_at) * 1000 as grace_ms
      from webhook_endpoints where id = ${endpoint.id}
    `;
    assert.equal(row.secret, rotated.secret);
    assert.equal(row.previous_secret, endpoint.secret);
    assert.equal(Math.round(Number(row.grace_ms)), graceMs, "expires a grace period later");

    const second = await expectJson<{ secret: string }>(await call(t, "POST", path, "{}"), 200);
    const [after] = await t.db.sql`
      select secret, previous_secret from webhook_endpoints where id = ${endpoint.id}
    `;
    assert.deepEqual({ ...after }, { secret: second.secret, previous_secret: rotated.secret });
    const read = await (await call(t, "GET", `/api/webhook-endpoints/${endpoint.id}/`)).text();
    assert.ok(!read.includes(second.secret), "GET never shows the new secret either");
  } finally {
    await t.close();
  }
});

Deno.test("rotate-secret takes no body, an empty one or {}, and refuses any field", async () => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t);
    const path = `/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`;
    const auth = { Authorization: t.headers.Authorization };
    const accepted: RequestInit[] = [
      { headers: auth },
      { headers: { ...auth, "Content-Length": "0" }, body: "" },
      { headers: { ...auth, "Content-Type": "text/plain", "Content-Length": "0" }, body: "" },
      { headers: t.headers, body: "{}" },
      { headers: t.headers },
    ];
    for (const init of accepted) {
      const response = await t.request(path, { ...init, method: "POST" });
      assert.equal(response.status, 200, JSON.stringify(init.headers));
      await response.body?.cancel();
    }
    await assertFieldError(await call(t, "POST", path, { secret: "whsec_mine" }), "secret");
    await assertProblem(await call(t, "POST", path, "[]"), 400);
    await assertProblem(await call(t, "POST", path, "{"), 400);
    await assertProblem(
      await t.request(path, {
        method: "POST",
        headers: { ...auth, "Content-Type": "text/plain" },
        body: "{}",
      }),
      415,
    );
  } finally {
    await t.close();
  }
});

Deno.test("rotate-secret is a 404 for unknown and malformed ids", async () => {
  const t = await createTestApp();
  try {
    for (const id of [crypto.randomUUID(), "x"]) {
      await assertProblem(
        await call(t, "POST", `/api/webhook-endpoints/${id}/rotate-secret/`),
        404,
      );
    }
  } finally {
    await t.close();
  }
});
