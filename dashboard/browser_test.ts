/**
 * The dashboard in headless Chromium against a fake api (same HTTP contract) that the test
 * fully controls, including events the real api would never send. e2e_test.ts runs the same
 * scenario against the real api fed through Kafka and PostgreSQL.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { ProcessedComment } from "@sentiment/proto/messages";
import { FakeApi, sampleComment } from "./testing/fake_api.ts";
import { type Backend, runScenario } from "./testing/scenario.ts";

Deno.test({
  name: "dashboard in Chromium against a fake api",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const api = new FakeApi();
    await api.start();
    const backend: Backend = {
      apiUrl: api.url,
      store: (specs) =>
        Promise.resolve(api.store(specs.map((spec, i) => {
          const sample = sampleComment(i, {
            ...(spec.text ? { text: spec.text } : {}),
            ...(spec.tag ? { tag: spec.tag } : {}),
            ...(spec.source ? { source: spec.source } : {}),
          });
          const createdAt = (spec.createdAt ?? new Date()).toISOString();
          return { ...sample, createdAt, processedAt: createdAt } as Omit<ProcessedComment, "seq">;
        }))),
      stop: () => api.stop(),
      start: () => api.start(),
    };
    try {
      await runScenario(t, backend, {
        label: "fake-api",
        whileLive: async (page, t) => {
          await t.step("invalid events are counted in the diagnostics, never shown", async () => {
            const before = Number(await page.locator(".stored").getAttribute("data-stored"));
            api.sendRaw("{broken json");
            api.sendRaw(JSON.stringify({ ...sampleComment(1), seq: 999_999, tag: "FURIOUS" }));
            await page.waitForFunction(
              "document.querySelector('.diagnostics').dataset.invalid === '2'",
              undefined,
              { timeout: 10_000 },
            );
            assertEquals(
              Number(await page.locator(".stored").getAttribute("data-stored")),
              before,
            );
          });
        },
      });
      // Resumed from where the page stopped, not from the beginning.
      const resumed = api.connections.at(-1)?.lastEventId;
      assertEquals(resumed !== null && Number(resumed) > 0, true);
    } finally {
      await api.stop();
    }
  },
});
