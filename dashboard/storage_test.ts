/**
 * The stored comments in Chromium when things go wrong: the page cut off in the middle of a
 * staged write, a reload in the middle of one, the browser's storage full, a segment corrupted.
 * What was stored loads whole (never a mix of two writes, never an unreadable set), and what was
 * on screen is there after a reload.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { sampleComment } from "./testing/fake_api.ts";
import { newTestPage } from "./testing/browser.ts";
import { pageTest, storedIs, unexpectedErrors, waitFor } from "./testing/page_test.ts";
import { persistedCountIs, persistedIds, storedKeys } from "./testing/stored.ts";
import { DEFAULT_STORAGE_KEY } from "./lib/stored_comment.ts";
import type { LoadReport } from "./lib/segmented_storage.ts";

const MANIFEST = `${DEFAULT_STORAGE_KEY}/manifest`;
const comments = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => sampleComment(from + i));

/** What the page's collection found in storage when it loaded (the page has `?debug`). */
function loadReport(page: Page): Promise<LoadReport> {
  return page.evaluate(() =>
    (globalThis as unknown as {
      dashboard: { collection: { utils: { loadReport(): LoadReport } } };
    }).dashboard.collection.utils.loadReport()
  );
}

/** Every stored segment key is one the manifest names. */
async function onlyNamedSegments(page: Page): Promise<void> {
  const manifest = JSON.parse(
    await page.evaluate((key) => localStorage.getItem(key)!, MANIFEST),
  ) as { segments: [number][] };
  const named = manifest.segments.map(([id]) => `${DEFAULT_STORAGE_KEY}/segment/${id}`);
  assertEquals(await storedKeys(page), [MANIFEST, ...named].sort());
}

/**
 * Arms the page: the next segment written is the last thing that reaches storage, as if the
 * page died right after it; `globalThis.cutOff` then holds localStorage as it was left.
 */
function cutOffAfterNextSegment(page: Page): Promise<void> {
  return page.evaluate((base) => {
    const state = globalThis as unknown as { cutOff?: Record<string, string> };
    const { setItem, removeItem } = Storage.prototype;
    let dead = false;
    Storage.prototype.setItem = function (key: string, value: string) {
      if (dead && key.startsWith(base)) return;
      setItem.call(this, key, value);
      if (key.startsWith(`${base}/segment/`)) {
        dead = true;
        state.cutOff = { ...localStorage };
      }
    };
    Storage.prototype.removeItem = function (key: string) {
      if (dead && key.startsWith(base)) return;
      removeItem.call(this, key);
    };
  }, DEFAULT_STORAGE_KEY);
}

pageTest("a page cut off between segment writes leaves the previous set, whole", async (
  { api, url, page, browser, errors },
) => {
  api.store(comments(0, 300));
  await page.goto(`${url}/?debug`);
  await waitFor(page, "persisted", persistedCountIs(300));
  const before = (await persistedIds(page)).sort();
  await cutOffAfterNextSegment(page);
  api.store(comments(300, 100));
  await waitFor(page, "cut off", "globalThis.cutOff !== undefined");
  const left = await page.evaluate(() =>
    (globalThis as unknown as { cutOff: Record<string, string> }).cutOff
  );
  // The manifest had not been written yet: it still names the 300.
  ok(Object.keys(left).some((key) => key.startsWith(`${DEFAULT_STORAGE_KEY}/segment/`)));

  // A fresh browser profile with exactly that storage, opened again.
  const reopened = await newTestPage(browser);
  await reopened.goto(`${url}/healthz`);
  await reopened.evaluate((left) => {
    localStorage.clear();
    for (const [key, value] of Object.entries(left)) localStorage.setItem(key, value);
  }, left);
  await reopened.goto(`${url}/?debug`);
  await waitFor(reopened, "loaded", "globalThis.dashboard?.collection.utils.loadReport() != null");
  const report = await loadReport(reopened);
  assertEquals([report.rows, report.invalid, report.missing], [300, [], []]);
  // The stream resumes after the newest stored comment and brings the 100 again.
  await waitFor(reopened, "caught up", storedIs(400));
  await waitFor(reopened, "persisted", persistedCountIs(400));
  const after = new Set(await persistedIds(reopened));
  for (const id of before) ok(after.has(id), `lost ${id}`);
  await onlyNamedSegments(reopened);
  assertEquals(unexpectedErrors(errors), []);
});

pageTest("a reload in the middle of a staged write finishes it: all that was shown is kept", async (
  { api, url, page, errors },
) => {
  api.store(comments(0, 300));
  await page.goto(`${url}/?debug`);
  await waitFor(page, "persisted", persistedCountIs(300));
  await page.evaluate((base) => {
    const { setItem } = Storage.prototype;
    let reloading = false;
    Storage.prototype.setItem = function (key: string, value: string) {
      setItem.call(this, key, value);
      if (!reloading && key.startsWith(`${base}/segment/`)) {
        reloading = true;
        // What the page showed when the reload was asked for, to compare with what it reads.
        const app = (globalThis as unknown as { dashboard: { collection: { size: number } } })
          .dashboard;
        sessionStorage.setItem("shownAtReload", String(app.collection.size));
        location.reload();
      }
    };
  }, DEFAULT_STORAGE_KEY);
  const shownBeforeReload = page.waitForEvent("framenavigated");
  api.store(comments(300, 100));
  await shownBeforeReload;
  await waitFor(page, "loaded", "globalThis.dashboard?.collection.utils.loadReport() != null");
  const report = await loadReport(page);
  assertEquals([report.invalid, report.missing], [[], []]);
  const shown = Number(await page.evaluate(() => sessionStorage.getItem("shownAtReload")));
  ok(shown > 300 && report.rows >= shown, `${shown} shown, ${report.rows} read after the reload`);
  await waitFor(page, "caught up", storedIs(400));
  await waitFor(page, "persisted", persistedCountIs(400));
  await onlyNamedSegments(page);
  assertEquals(unexpectedErrors(errors), []);
});

pageTest("with the browser's storage full the page keeps fewer comments, stored as shown", async (
  { api, url, page, errors },
) => {
  api.store(comments(0, 300));
  await page.goto(`${url}/?debug`);
  await waitFor(page, "persisted", persistedCountIs(300));
  // Another part of the site took nearly all of the origin's quota.
  const room = await page.evaluate(() => {
    let low = 0;
    let high = 6_000_000;
    while (high - low > 1_000) {
      const size = Math.floor((low + high) / 2);
      try {
        localStorage.setItem("filler", "x".repeat(size));
        low = size;
      } catch {
        high = size;
      }
    }
    localStorage.setItem("filler", "x".repeat(Math.max(0, low - 40_000)));
    return low;
  });
  ok(room > 100_000, `${room} characters fit`);
  const newest = api.store(comments(300, 600)).at(-1)!;
  await waitFor(
    page,
    "said so",
    `document.querySelector('.diagnostics')?.textContent.includes('browser storage is full')`,
    60_000,
  );
  await waitFor(
    page,
    "stored as shown",
    `${persistedCountIs(0).replace("=== 0", "")} === ` +
      `Number(document.querySelector('.stored')?.dataset.stored)`,
    60_000,
  );
  const shown = Number(await page.locator(".stored").getAttribute("data-stored"));
  ok(shown >= 100 && shown < 900, `${shown} kept`);
  const stored = await persistedIds(page);
  ok(stored.includes(newest.commentId), "the newest comment is stored");
  await page.reload();
  await waitFor(page, "loaded", "globalThis.dashboard?.collection.utils.loadReport() != null");
  assertEquals((await loadReport(page)).rows, shown);
  await waitFor(page, "shown again", storedIs(shown));
  await onlyNamedSegments(page);
  assertEquals(unexpectedErrors(errors), []);
});

pageTest("a corrupt segment is set aside and its comments are loaded again from the api", async (
  { api, url, page, errors },
) => {
  api.store(comments(0, 300));
  await page.goto(`${url}/?debug`);
  await waitFor(page, "persisted", persistedCountIs(300));
  const corrupted = await page.evaluate((manifestKey) => {
    const manifest = JSON.parse(localStorage.getItem(manifestKey)!) as { segments: [number][] };
    const key = manifestKey.replace(/manifest$/, `segment/${manifest.segments[0][0]}`);
    localStorage.setItem(key, localStorage.getItem(key)!.slice(0, -10));
    return key;
  }, MANIFEST);
  await page.reload();
  await waitFor(page, "loaded", "globalThis.dashboard?.collection.utils.loadReport() != null");
  const report = await loadReport(page);
  assertEquals(report.invalid, [corrupted]);
  ok(report.rows < 300 && report.rows > 0, `${report.rows} rows loaded`);
  await waitFor(page, "loaded again", storedIs(300));
  await waitFor(page, "persisted", persistedCountIs(300));
  await onlyNamedSegments(page);
  assertEquals(unexpectedErrors(errors), []);
});
