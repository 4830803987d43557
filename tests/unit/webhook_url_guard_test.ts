import assert from "node:assert/strict";
import {
  isPublicAddress,
  LISTENER_URL_POLICY,
  urlFormProblem,
  type UrlPolicy,
  urlProblem,
} from "../../src/webhooks/url_guard.ts";

/** Answers from a table; counts lookups so tests can tell when no resolution happened. */
function tableResolver(table: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve = (host: string) => {
    asked.push(host);
    return table[host] ? Promise.resolve(table[host]) : Promise.reject(new Error("ENOTFOUND"));
  };
  return { resolve, asked };
}

const strict = (resolve: UrlPolicy["resolve"]): UrlPolicy => ({
  allowHttp: false,
  allowPrivate: false,
  resolve,
});

Deno.test("isPublicAddress accepts public unicast and refuses every internal range", () => {
  for (const address of ["93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946"]) {
    assert.equal(isPublicAddress(address), true, address);
  }
  const internal = [
    "127.0.0.1",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "255.255.255.255",
    "224.0.0.1",
    "::1",
    "::",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "fd00::1",
    "fe80::1",
    "ff02::1",
    "not an address",
  ];
  for (const address of internal) assert.equal(isPublicAddress(address), false, address);
});

Deno.test("urlFormProblem needs an absolute https URL without credentials or fragment", () => {
  const policy = strict(undefined);
  assert.equal(urlFormProblem("https://93.184.216.34/hook", policy), undefined);
  assert.match(urlFormProblem("http://93.184.216.34/", policy)!, /https URL/);
  assert.equal(urlFormProblem("http://93.184.216.34/", { ...policy, allowHttp: true }), undefined);
  assert.match(
    urlFormProblem("ftp://a.example/", { ...policy, allowHttp: true })!,
    /http or https/,
  );
  assert.match(urlFormProblem("https://u:p@a.example/", policy)!, /credentials/);
  assert.match(urlFormProblem("https://u@a.example/", policy)!, /credentials/);
  assert.match(urlFormProblem("https://a.example/#x", policy)!, /fragment/);
  assert.match(urlFormProblem("/hook", policy)!, /absolute/);
  assert.match(urlFormProblem("", policy)!, /absolute/);
  assert.match(urlFormProblem(`https://a.example/${"a".repeat(2048)}`, policy)!, /2048/);
});

Deno.test("urlProblem judges IP literals in every spelling WHATWG URL normalises", async () => {
  const { resolve, asked } = tableResolver({});
  const refused = [
    "https://127.0.0.1/",
    "https://2130706433/",
    "https://0x7f.1/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://[fd00::1]/",
    "https://[fe80::1]/",
    "https://0.0.0.0/",
    "https://169.254.169.254/",
    "https://100.64.0.1/",
  ];
  for (const url of refused) {
    assert.match((await urlProblem(url, strict(resolve)))!, /private or local/, url);
  }
  assert.equal(await urlProblem("https://93.184.216.34/", strict(resolve)), undefined);
  assert.deepEqual(asked, [], "IP literals are never resolved");
});

Deno.test("urlProblem refuses localhost names without resolving them", async () => {
  const { resolve, asked } = tableResolver({ localhost: ["93.184.216.34"] });
  for (const url of ["https://localhost/", "https://LocalHost./", "https://a.b.localhost/"]) {
    assert.match((await urlProblem(url, strict(resolve)))!, /private or local/, url);
  }
  assert.deepEqual(asked, []);
});

Deno.test("urlProblem resolves host names and refuses any internal answer", async () => {
  const { resolve } = tableResolver({
    "public.example": ["93.184.216.34"],
    "internal.example": ["10.0.0.5"],
    "mixed.example": ["93.184.216.34", "fd00::5"],
    "empty.example": [],
  });
  assert.equal(await urlProblem("https://public.example/", strict(resolve)), undefined);
  assert.equal(await urlProblem("https://PUBLIC.example./", strict(resolve)), undefined);
  assert.match((await urlProblem("https://internal.example/", strict(resolve)))!, /resolves/);
  assert.match((await urlProblem("https://mixed.example/", strict(resolve)))!, /resolves/);
  assert.match((await urlProblem("https://empty.example/", strict(resolve)))!, /not resolve/);
  assert.match((await urlProblem("https://unknown.example/", strict(resolve)))!, /not resolve/);
});

Deno.test("urlProblem with private targets allowed checks the form only, resolving nothing", async () => {
  const { resolve, asked } = tableResolver({});
  const policy = { allowHttp: true, allowPrivate: true, resolve };
  for (const url of ["http://127.0.0.1/", "https://localhost/", "https://internal.example/"]) {
    assert.equal(await urlProblem(url, policy), undefined, url);
  }
  assert.match((await urlProblem("https://u:p@10.0.0.1/", policy))!, /credentials/);
  assert.deepEqual(asked, []);
});

Deno.test("a listener's endpoint may reach a loopback address written as one, and nothing else", async () => {
  const { resolve, asked } = tableResolver({ "hooks.example": ["93.184.216.34"] });
  const policy = { ...LISTENER_URL_POLICY, resolve };
  for (const url of ["http://127.0.0.1:4000/", "http://127.8.9.10/x", "https://[::1]:8443/"]) {
    assert.equal(await urlProblem(url, policy), undefined, url);
  }
  for (
    const url of [
      "http://10.0.0.1/",
      "http://192.168.1.1:80/",
      "http://[::ffff:10.0.0.1]/",
      "http://localhost:4000/",
      "https://hooks.example/",
      "http://93.184.216.34/",
    ]
  ) {
    assert.match(await urlProblem(url, policy) ?? "", /loopback/, url);
  }
  assert.match(await urlProblem("ftp://127.0.0.1/", policy) ?? "", /http or https/);
  assert.match(await urlProblem("http://u:p@127.0.0.1/", policy) ?? "", /credentials/);
  assert.deepEqual(asked, [], "nothing is resolved");
});
