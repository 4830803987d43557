/** Every metric of an API or worker registry carries the process's `instance` label. */
import assert from "node:assert/strict";
import { createApiMetrics } from "../../src/metrics/api_metrics.ts";
import { createWorkerMetrics } from "../../src/metrics/worker_metrics.ts";

/** The sample lines of a scrape (not comments, not blank). */
function sampleLines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
}

Deno.test("every sample of the API's and the worker's registries is labelled with the instance", async (t) => {
  await t.step("the API's", async () => {
    const metrics = createApiMetrics({ token: "", instance: "api-7" });
    metrics.observeCreateBatch(3);
    const samples = sampleLines(await metrics.registry.metrics());
    assert.ok(samples.length > 10, `samples: ${samples.length}`);
    const unlabelled = samples.filter((line) => !/[{,]instance="api-7"[,}]/.test(line));
    assert.deepEqual(unlabelled, []);
  });
  await t.step("the worker's", async () => {
    const metrics = createWorkerMetrics("worker-b");
    metrics.onRetry();
    const samples = sampleLines(await metrics.registry.metrics());
    assert.ok(samples.length > 10, `samples: ${samples.length}`);
    const unlabelled = samples.filter((line) => !/[{,]instance="worker-b"[,}]/.test(line));
    assert.deepEqual(unlabelled, []);
  });
  await t.step(
    "none when the name is empty, as in tests that build the app in process",
    async () => {
      const samples = sampleLines(await createApiMetrics({ token: "" }).registry.metrics());
      assert.ok(samples.every((line) => !line.includes("instance=")));
    },
  );
});
