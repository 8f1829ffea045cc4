/**
 * The offline shell in Chromium: a reload with the dashboard server stopped is answered by the
 * service worker from its cache, with the comments from localStorage; the api and its stream
 * never come from the cache; a new version installs beside the old one and takes over on
 * "Reload"; and the page works under its own Content-Security-Policy.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { sampleComment } from "./testing/fake_api.ts";
import { formatTime } from "./components/format.ts";
import {
  connectionIs,
  pageTest,
  storedIs,
  unexpectedErrors,
  waitFor,
} from "./testing/page_test.ts";
import { CACHE_PREFIX } from "./sw/manifest.ts";

/** Waits until the service worker controls the page (it claims the page it was installed by). */
async function controlled(page: Page): Promise<void> {
  await waitFor(page, "service worker", "navigator.serviceWorker.controller !== null", 30_000);
}

/** The shell caches in the page's origin, and the URLs each holds. */
function cachedUrls(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(async () => {
    const result: Record<string, string[]> = {};
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      result[name] = (await cache.keys()).map((request) => new URL(request.url).pathname);
    }
    return result;
  });
}

/** The status line as the reader sees it. */
const statusText = (page: Page) => page.locator(".status-bar").innerText();

pageTest(
  "a reload with the dashboard server stopped opens from the cache, offline since when it went, and resumes",
  async ({ api, dashboard, url, page, errors }, t) => {
    api.store(Array.from({ length: 40 }, (_, i) => sampleComment(i)));
    await page.goto(url);
    await waitFor(page, "backfilled", storedIs(40));
    await waitFor(page, "live", connectionIs("live"));
    await controlled(page);
    // Two events on the stream, so there is a last event to show.
    api.store([sampleComment(100), sampleComment(101)]);
    await waitFor(page, "streamed", storedIs(42));
    const lastEvent = Number(
      await page.locator("[data-last-event]").getAttribute("data-last-event"),
    );

    await t.step("the page opens from the service worker with the stored comments", async () => {
      const stoppedAt = Date.now();
      await dashboard.stop();
      await waitFor(page, "lost", connectionIs("reconnecting", "offline"));
      const response = await page.reload();
      ok(response?.fromServiceWorker(), "the page came from the service worker");
      await waitFor(page, "restored", storedIs(42));
      await waitFor(page, "offline", connectionIs("offline"));
      await waitFor(
        page,
        "the cause",
        `document.querySelector('.connection').innerText.includes('cannot be reached')`,
      );
      await waitFor(
        page,
        "countdown",
        `/^reconnecting in \\d+ s$/.test(document.querySelector('.retry')?.innerText)`,
      );
      const text = await statusText(page);
      // Down since the stream was lost (remembered across the reload): after the last event,
      // no later than the reload.
      const downSince = Number(
        await page.locator(".connection").getAttribute("data-down-since"),
      );
      ok(downSince >= lastEvent && downSince >= stoppedAt - 1_000 && downSince <= Date.now());
      ok(
        text.includes(
          `Offline since ${formatTime(downSince)}: the dashboard server cannot be reached; ` +
            "showing the comments stored in this browser",
        ),
        text,
      );
      ok(/reconnecting (in \d+ s|…)/.test(text), text);
      ok(text.includes(`last event ${formatTime(lastEvent)}`), text);
      ok(!/\s:/.test(await page.locator(".connection").innerText()), "no space before a colon");
      ok(await page.locator(".feed-row").count() > 5);
    });

    await t.step("neither the api nor its stream is answered from the cache", async () => {
      const caches = await cachedUrls(page);
      const names = Object.keys(caches);
      assertEquals(names.length, 1);
      ok(names[0].startsWith(CACHE_PREFIX), names[0]);
      const version = await page.evaluate(() => document.body.dataset.version);
      assertEquals(names[0], `${CACHE_PREFIX}${version}`);
      const paths = caches[names[0]];
      assertEquals(paths.sort(), ["/", "/build/client.js", "/favicon.svg", "/styles.css"]);
      const answers = await page.evaluate(async () => {
        const tryFetch = (path: string, init?: RequestInit) =>
          fetch(path, init).then((response) => response.status, () => "failed");
        return {
          statistics: await tryFetch("/api/statistics"),
          stream: await tryFetch("/api/stream", { headers: { accept: "text/event-stream" } }),
        };
      });
      assertEquals(answers, { statistics: "failed", stream: "failed" });
    });

    await t.step("the server comes back: the stream resumes by itself", async () => {
      const missed = api.store([sampleComment(200), sampleComment(201), sampleComment(202)]);
      await dashboard.start();
      await waitFor(page, "live again", connectionIs("live"), 30_000);
      await waitFor(page, "caught up", storedIs(45));
      await page.waitForSelector(`.feed-row[data-comment-id="${missed[2].commentId}"]`);
      const text = await statusText(page);
      ok(!text.includes("Offline") && !text.includes("reconnecting in"), text);
    });
    assertEquals(unexpectedErrors(errors), []);
  },
);

pageTest(
  "a new version installs beside the old one and takes over on Reload, deleting the old cache",
  async ({ api, dashboard, url, page }) => {
    api.store(Array.from({ length: 10 }, (_, i) => sampleComment(i)));
    await page.goto(url);
    await waitFor(page, "backfilled", storedIs(10));
    await controlled(page);
    const first = await page.evaluate(() => document.body.dataset.version!);
    // Another configuration is another shell, as a rebuilt bundle would be.
    await dashboard.stop();
    await waitFor(page, "lost", connectionIs("reconnecting", "offline"));
    await dashboard.start({ maxComments: 4_000 });
    // Back online, the page asks for updates; the new worker installs and waits.
    await waitFor(page, "live", connectionIs("live"), 30_000);
    await page.waitForSelector(".update-ready button", { timeout: 30_000 });
    ok((await statusText(page)).includes("A new version of the dashboard is ready."));
    assertEquals(await page.evaluate(() => document.body.dataset.version), first);
    await Promise.all([
      page.waitForEvent("load", { timeout: 30_000 }),
      page.locator(".update-ready button").click(),
    ]);
    await waitFor(page, "restored", storedIs(10));
    const second = await page.evaluate(() => document.body.dataset.version!);
    ok(second !== first, "the page is the new version");
    assertEquals(await page.evaluate(() => document.body.dataset.maxComments), "4000");
    await waitFor(
      page,
      "old cache deleted",
      `caches.keys().then((names) => { window.__names = names; }), (window.__names ?? []).length === 1`,
    );
    assertEquals(Object.keys(await cachedUrls(page)), [`${CACHE_PREFIX}${second}`]);
    // The new version is the one that opens offline.
    await dashboard.stop();
    const response = await page.reload();
    ok(response?.fromServiceWorker());
    assertEquals(await page.evaluate(() => document.body.dataset.version), second);
    await waitFor(page, "offline", connectionIs("offline"));
    assertEquals(await page.locator(".update-ready").count(), 0);
  },
);

pageTest(
  "under its own Content-Security-Policy the page runs with no violation",
  async ({ api, url, browser }) => {
    api.store(Array.from({ length: 30 }, (_, i) => sampleComment(i, { language: "en" })));
    // A context that applies the policy (the others bypass it for waitForFunction).
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    await page.addInitScript(() => {
      const seen: string[] = [];
      (globalThis as unknown as { violations: string[] }).violations = seen;
      document.addEventListener("securitypolicyviolation", (event) => {
        seen.push(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    const response = await page.goto(url);
    ok(response?.headers()["content-security-policy"]?.includes("script-src 'self'"));
    // Polled with evaluate: waitForFunction itself would need eval.
    const deadline = Date.now() + 20_000;
    const state = () =>
      page.evaluate(() => ({
        stored: Number(document.querySelector<HTMLElement>(".stored")?.dataset.stored),
        connection: document.querySelector<HTMLElement>("[data-connection]")?.dataset.connection,
        controlled: navigator.serviceWorker.controller !== null,
      }));
    while (Date.now() < deadline) {
      const now = await state();
      if (now.stored === 30 && now.connection === "live" && now.controlled) break;
      await page.waitForTimeout(100);
    }
    assertEquals(await state(), { stored: 30, connection: "live", controlled: true });
    // Open a comment (a dialog, with inline styles set by script) and filter by language.
    await page.locator(".feed-row button").first().click();
    await page.locator(".comment-details .details-close").click();
    await page.selectOption("select[name=language]", "en");
    await page.waitForTimeout(300);
    const violations = () =>
      page.evaluate(() => (globalThis as unknown as { violations: string[] }).violations);
    assertEquals(await violations(), []);
    // The watch does see a violation when there is one: an image from elsewhere.
    await page.evaluate(() => {
      const image = document.createElement("img");
      image.src = "http://127.0.0.2:9/elsewhere.png";
      document.body.append(image);
    });
    await page.waitForTimeout(200);
    assertEquals(await violations(), ["img-src http://127.0.0.2:9/elsewhere.png"]);
    await context.close();
  },
);
