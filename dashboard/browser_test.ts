/**
 * The dashboard in headless Chromium against a fake api (same HTTP contract) that the test
 * fully controls, including events the real api would never send. e2e/dashboard_test.ts runs the same
 * scenario against the real api fed through Kafka and PostgreSQL.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { ProcessedComment } from "@sentiment/contracts/messages";
import { FakeApi, sampleComment } from "./testing/fake_api.ts";
import { type Backend, runScenario } from "./testing/scenario.ts";
import { DEFAULT_STORAGE_KEY, READABLE_EARLIER_KEYS } from "./lib/comments.ts";
import { persistedCountIs, storedKeys, storedRowsExpression } from "./testing/stored.ts";
import { CONNECTION_MEMORY_KEY } from "./lib/connection_memory.ts";
import { pageTest, storedIs, waitFor } from "./testing/page_test.ts";

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

pageTest(
  "the feed stays in order, and where it was scrolled, while its query is renewed",
  async ({ api, url, page, errors }, t) => {
    api.store(Array.from({ length: 300 }, (_, i) => sampleComment(i)));
    await page.goto(url);
    const storedIs = (n: number) =>
      page.waitForFunction(
        `Number(document.querySelector('.stored')?.dataset.stored) === ${n}`,
        undefined,
        { timeout: 20_000 },
      );
    await storedIs(300);
    // Every row in view must be the comment that belongs at its position: the api's seqs
    // are consecutive, so the row at position p (1-based) of the newest-first feed has
    // seq = newest - (p - 1).
    const checkRows = async (what: string, newest: number, near: number) => {
      const rows = await page.locator(".feed-row").evaluateAll((elements) =>
        elements.map((element) => ({
          seq: Number(element.getAttribute("data-seq")),
          position: Number(element.getAttribute("aria-posinset")),
        }))
      );
      ok(rows.length >= 10, `${what}: ${rows.length} rows in view`);
      for (const row of rows) {
        assertEquals(row.seq, newest - (row.position - 1), `${what}: row ${row.position}`);
      }
      const first = Math.min(...rows.map((row) => row.position));
      ok(Math.abs(first - near) <= 10, `${what}: view starts at ${first}, not near ${near}`);
    };
    await checkRows("at the top", 300, 1);
    // 2 500 new rows renew the feed's query twice (every 1 000), arriving in batches.
    await t.step("at the top, new comments come in above", async () => {
      for (let batch = 0; batch < 25; batch++) {
        api.store(Array.from({ length: 100 }, (_, i) => sampleComment(300 + batch * 100 + i)));
        await page.waitForTimeout(30);
      }
      await storedIs(2_800);
      await checkRows("at the top after 2 500", 2_800, 1);
    });
    await t.step("scrolled down, the view keeps its place", async () => {
      await page.locator(".feed-scroll").evaluate((element) => element.scrollTop = 76 * 1_500);
      await page.waitForTimeout(200);
      await checkRows("scrolled", 2_800, 1_500);
      // Every DOM update in between must keep the view filled (a renewed query that
      // started at the top would show an empty list for a moment).
      await page.evaluate(() => {
        const state = globalThis as unknown as { fewestRows: number };
        state.fewestRows = Infinity;
        new MutationObserver(() => {
          const rows = document.querySelectorAll(".feed-row").length;
          state.fewestRows = Math.min(state.fewestRows, rows);
        }).observe(document.querySelector(".feed-scroll")!, { childList: true, subtree: true });
      });
      for (let batch = 0; batch < 12; batch++) {
        api.store(Array.from({ length: 100 }, (_, i) => sampleComment(3_000 + batch * 100 + i)));
        await page.waitForTimeout(30);
      }
      await storedIs(4_000);
      await page.waitForTimeout(200);
      // The scroll position is kept, so the rows in view are older ones now.
      await checkRows("scrolled after 1 200 more", 4_000, 1_500);
      const fewest = await page.evaluate(() =>
        (globalThis as unknown as { fewestRows: number }).fewestRows
      );
      ok(fewest >= 10, `the view had ${fewest} rows at one point`);
    });
    assertEquals(errors, []);
  },
);

pageTest(
  "snapshots of other shapes are removed from localStorage; an earlier single-key one is read",
  async ({ api, url, page }) => {
    api.store([sampleComment(1), sampleComment(2)]);
    await page.goto(url);
    await waitFor(page, "persisted", persistedCountIs(2));
    // What earlier versions stored: full messages under the key of the first shape, and the
    // shown fields without score, language and reasons in TanStack DB's single-key layout.
    const rows = await page.evaluate(storedRowsExpression) as { commentId: string }[];
    await page.evaluate(([previous, rows]) => {
      for (const key of Object.keys(localStorage)) {
        if (key.startsWith("sentiment-dashboard/comments/")) localStorage.removeItem(key);
      }
      localStorage.setItem("sentiment-dashboard/comments/v1", "x".repeat(1_000_000));
      const snapshot = Object.fromEntries(
        (rows as { commentId: string }[]).map((row) => [
          `s:${row.commentId}`,
          { versionKey: crypto.randomUUID(), data: row },
        ]),
      );
      localStorage.setItem(previous as string, JSON.stringify(snapshot));
    }, [READABLE_EARLIER_KEYS[1], rows] as const);
    await page.reload();
    await waitFor(page, "restored", storedIs(2));
    await waitFor(page, "moved into segments", persistedCountIs(2));
    const keys = await page.evaluate(() => Object.keys(localStorage).sort());
    const segments = await storedKeys(page);
    assertEquals(
      keys,
      [
        CONNECTION_MEMORY_KEY,
        ...segments,
        "sentiment-dashboard/statistics/v1",
      ].sort(),
    );
    ok(segments.includes(`${DEFAULT_STORAGE_KEY}/manifest`));
  },
);
