/**
 * Which URLs an endpoint may have. Nothing is ever sent to them: no HTTP test delivers, and
 * host names resolve through an injected resolver, never through DNS.
 */
import assert from "node:assert/strict";
import { createTestApp } from "../helpers/app.ts";
import { assertFieldError } from "./payout_fixtures.ts";
import {
  call,
  createEndpoint,
  endpointBody,
  expectJson,
  postEndpoint,
} from "./webhook_endpoint_fixtures.ts";

/** A resolver standing in for DNS: public, internal and unknown names. */
const resolve = (host: string) => {
  const table: Record<string, string[]> = {
    "hooks.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    "internal.example.com": ["10.0.0.5"],
    "mixed.example.com": ["93.184.216.34", "10.0.0.5"],
  };
  const addresses = table[host];
  return addresses ? Promise.resolve(addresses) : Promise.reject(new Error("ENOTFOUND"));
};

const REFUSED = [
  "http://93.184.216.34/hook",
  "https://user:pass@93.184.216.34/hook",
  "https://user@hooks.example.com/hook",
  "https://127.0.0.1/hook",
  "https://127.1.2.3/hook",
  "https://10.0.0.1/hook",
  "https://172.16.0.1/hook",
  "https://192.168.1.1/hook",
  "https://169.254.169.254/latest/meta-data/",
  "https://100.64.0.1/hook",
  "https://0.0.0.0/hook",
  "https://[::1]/hook",
  "https://[::]/hook",
  "https://[::ffff:127.0.0.1]/hook",
  "https://[::ffff:10.0.0.1]/hook",
  "https://[fd00::1]/hook",
  "https://[fe80::1]/hook",
  "https://localhost/hook",
  "https://LOCALHOST./hook",
  "https://api.localhost/hook",
  "https://2130706433/hook",
  "https://0x7f.1/hook",
  "https://0177.0.0.1/hook",
  "https://internal.example.com/hook",
  "https://mixed.example.com/hook",
  "https://nowhere.example.com/hook",
  "https://hooks.example.com/hook#fragment",
  "ftp://93.184.216.34/hook",
  "file:///etc/passwd",
  "javascript:alert(1)",
  "/relative/hook",
  "hooks.example.com",
  "",
  `https://hooks.example.com/${"a".repeat(2048)}`,
];

Deno.test("POST refuses URLs that are not https, carry credentials or point inward, naming url", async (ctx) => {
  const t = await createTestApp({ urlPolicy: { resolve } });
  try {
    for (const url of REFUSED) {
      await ctx.step(url.slice(0, 60) || "(empty)", async () => {
        const body = await assertFieldError(await postEndpoint(t, endpointBody({ url })), "url");
        assert.equal(body.errors!.length, 1, JSON.stringify(body.errors));
      });
    }
    const [{ n }] = await t.db.sql`select count(*)::int as n from webhook_endpoints`;
    assert.equal(n, 0, "nothing refused was stored");
  } finally {
    await t.close();
  }
});

Deno.test("POST accepts a public IP literal and a host name that resolves to public addresses", async () => {
  const t = await createTestApp({ urlPolicy: { resolve } });
  try {
    const literal = await createEndpoint(t, { url: "https://93.184.216.34/hook" });
    assert.equal(literal.url, "https://93.184.216.34/hook");
    const v6 = await createEndpoint(t, { url: "https://[2606:2800:220:1:248:1893:25c8:1946]/h" });
    assert.equal(v6.url, "https://[2606:2800:220:1:248:1893:25c8:1946]/h");
    const named = await createEndpoint(t, {
      url: "https://Hooks.Example.com:8443/a/../payouts?x=1",
    });
    assert.equal(named.url, "https://hooks.example.com:8443/payouts?x=1", "stored normalised");
  } finally {
    await t.close();
  }
});

Deno.test("the refusal message says what is wrong with the URL", async () => {
  const t = await createTestApp({ urlPolicy: { resolve } });
  try {
    const message = async (url: string) =>
      (await assertFieldError(await postEndpoint(t, endpointBody({ url })), "url")).errors![0]
        .message;
    assert.match(await message("http://93.184.216.34/"), /https/);
    assert.match(await message("https://a:b@93.184.216.34/"), /credentials/);
    assert.match(await message("https://10.0.0.1/"), /private or local/);
    assert.match(await message("https://internal.example.com/"), /resolves/);
    assert.match(await message("https://nowhere.example.com/"), /does not resolve/);
  } finally {
    await t.close();
  }
});

Deno.test("plain http is accepted when the policy allows it", async () => {
  const t = await createTestApp({ urlPolicy: { allowHttp: true, resolve } });
  try {
    const endpoint = await createEndpoint(t, { url: "http://hooks.example.com/hook" });
    assert.equal(endpoint.url, "http://hooks.example.com/hook");
    await assertFieldError(
      await postEndpoint(t, endpointBody({ url: "http://10.0.0.1/hook" })),
      "url",
    );
    await assertFieldError(
      await postEndpoint(t, endpointBody({ url: "ftp://93.184.216.34/" })),
      "url",
    );
  } finally {
    await t.close();
  }
});

Deno.test("private and local targets are accepted when the policy allows them", async () => {
  const t = await createTestApp({ urlPolicy: { allowPrivate: true, allowHttp: true } });
  try {
    for (
      const url of [
        "http://127.0.0.1:8080/hook",
        "https://10.0.0.1/hook",
        "https://[::1]/hook",
        "http://localhost:9000/hook",
        "https://internal.invalid/hook",
      ]
    ) {
      assert.equal((await createEndpoint(t, { url })).url, url);
    }
    await assertFieldError(
      await postEndpoint(t, endpointBody({ url: "https://u:p@10.0.0.1/" })),
      "url",
    );
  } finally {
    await t.close();
  }
});

Deno.test("PATCH checks a new URL like POST, before it looks the endpoint up", async () => {
  const t = await createTestApp({ urlPolicy: { resolve } });
  try {
    const endpoint = await createEndpoint(t);
    for (const url of ["https://10.0.0.1/hook", "http://93.184.216.34/", "https://[::1]/"]) {
      await assertFieldError(
        await call(t, "PATCH", `/api/webhook-endpoints/${endpoint.id}/`, { url }),
        "url",
      );
      await assertFieldError(
        await call(t, "PATCH", `/api/webhook-endpoints/${crypto.randomUUID()}/`, { url }),
        "url",
      );
    }
    const changed = await expectJson<{ url: string }>(
      await call(t, "PATCH", `/api/webhook-endpoints/${endpoint.id}/`, {
        url: "https://hooks.example.com/v2",
      }),
      200,
    );
    assert.equal(changed.url, "https://hooks.example.com/v2");
  } finally {
    await t.close();
  }
});
