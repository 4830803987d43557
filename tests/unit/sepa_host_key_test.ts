import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { fingerprintMatches, hostKeyFingerprint } from "../../src/connectors/sepa_file/host_key.ts";

// Public keys and what `ssh-keygen -l -E sha256` printed for them.
const KEYS = [
  {
    blob: "AAAAC3NzaC1lZDI1NTE5AAAAIL+BFwhdfRXPzdF83V3xDHQ3wXiRvwsdt1tVldNAaDDz",
    fingerprint: "SHA256:vSJKWhr9a5RfSNjCaFODlO1nZd8tcVOIMq1a/mtT7l0",
  },
  {
    blob: "AAAAB3NzaC1yc2EAAAADAQABAAABgQCrytJZgH3bEVjDbfVLjFCperMaain6dmk0/zrVqZzGqstgg+uES6Po" +
      "YS9p9t/DVI0LAZLyxlIc6VTINnRIHOBzVnuh7eN5LY5eSTJLwif1RS9PfMQvn/yuocGDMs0MxEhM19ZJrggyuaQD" +
      "+vLlV886d9kgYfQB83oI8K9gsVuJGv2Vhvk7/dx41xgmZ6GJBg02v3VOvFkWVzWmAmPYUF7ahcdPZ07bMyOESVWA" +
      "9x25v03RIHwxpQXslTYAcU+eUg0J5kOW2i4GCfhW/Agvn/MYKYBZXjhp0R/0mV7JYrs7efeQrjMRMKVYVEqJh2I4" +
      "gZFP9NzUTRDvDrM+CwSmd+UAtELmTxhftQABeHOE7Mf9KeB+J/AtMxgiZwWeOtZWebdyW2aM7gneCesfKL6uo/hP" +
      "utNfZElGKX4ugAbp5ZVliTxmnf7OSBWfoz+EKMNZEvxOtfXeggJAugLJtJzEbizks1ezgXxwJIQqhDott+hqo+qD" +
      "oeHOz8r2OMjZHZFYdQ0=",
    fingerprint: "SHA256:eEZdjXUpg9ogbSa1SK6iVC93L+zvremmIjOQxzHL9JQ",
  },
];

Deno.test("host key fingerprints are what ssh-keygen prints", () => {
  for (const key of KEYS) {
    assert.equal(hostKeyFingerprint(Buffer.from(key.blob, "base64")), key.fingerprint);
  }
});

Deno.test("a pinned fingerprint matches with or without its prefix and padding, nothing else", () => {
  const [{ fingerprint }, other] = KEYS;
  const bare = fingerprint.slice("SHA256:".length);
  assert.ok(fingerprintMatches(fingerprint, fingerprint));
  assert.ok(fingerprintMatches(bare, fingerprint));
  assert.ok(fingerprintMatches(` ${bare}= `, fingerprint));
  assert.ok(!fingerprintMatches(other.fingerprint, fingerprint));
  assert.ok(!fingerprintMatches(bare.toLowerCase(), fingerprint), "base64 is case-sensitive");
  assert.ok(!fingerprintMatches("", fingerprint));
});
