/**
 * The end-to-end scenario of the dashboard in headless Chromium, run against any backend that
 * speaks the api's contract: the real api (e2e/dashboard_test.ts) or the fake (browser_test.ts).
 *
 * @module
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { ProcessedComment, Source, Tag } from "@sentiment/contracts/messages";
import { injectStoredRow, persistedCountIs, persistedIds } from "./stored.ts";
import {
  artifactsDir,
  echoPageErrors,
  launchChromium,
  newTestContext,
  startDashboard,
} from "./browser.ts";

/** What a test stores; the rest of the comment is filled in by the backend. */
export interface CommentSpec {
  text?: string;
  tag?: Tag;
  source?: Source;
  createdAt?: Date;
}

/** A running api (or a stand-in) the scenario can feed, stop and start again. */
export interface Backend {
  apiUrl: string;
  /** Stores comments and makes them streamable (as the consumer does); resolves when done. */
  store(specs: CommentSpec[]): Promise<ProcessedComment[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

const TAG_CYCLE: Tag[] = ["POSITIVE", "NEGATIVE", "NEUTRAL", "UNRELATED", "POSITIVE", "NEUTRAL"];
const SOURCE_CYCLE: Source[] = ["twitter", "instagram", "facebook", "tiktok", "youtube", "reddit"];
const PHRASES = [
  "love the new release, great work",
  "this update is terrible and slow",
  "the match starts at nine",
  "customer support was really helpful",
  "worst checkout experience ever",
  "it is fine I guess",
  "anyone else watching the launch?",
  "amazing photos from the trip",
];

/** Varied comments, created over the last `spreadMinutes` minutes (for the chart). */
export function variedSpecs(count: number, spreadMinutes = 0, offset = 0): CommentSpec[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const n = i + offset;
    return {
      text: `${PHRASES[n % PHRASES.length]} (${n})`,
      tag: TAG_CYCLE[n % TAG_CYCLE.length],
      source: SOURCE_CYCLE[(n * 5) % SOURCE_CYCLE.length],
      createdAt: new Date(
        now - (spreadMinutes ? ((count - i) / count) * spreadMinutes * 60_000 : 0),
      ),
    };
  });
}

const attr = (page: Page, selector: string, name: string) =>
  page.locator(selector).first().getAttribute(name);

/** How many comments the page says it stores. */
async function storedCount(page: Page): Promise<number> {
  return Number(await attr(page, ".stored", "data-stored"));
}

async function waitFor(page: Page, what: string, fn: string, timeout = 20_000): Promise<void> {
  try {
    await page.waitForFunction(fn, undefined, { timeout, polling: 20 });
  } catch (error) {
    const status = await page.locator(".status-bar").innerText().catch(() => "?");
    throw new Error(`${what} (status: ${status}): ${(error as Error).message.split("\n")[0]}`);
  }
}

const storedIs = (n: number) =>
  `Number(document.querySelector('.stored')?.dataset.stored) === ${n}`;
const connectionIs = (...states: string[]) =>
  `${
    JSON.stringify(states)
  }.includes(document.querySelector('[data-connection]')?.dataset.connection)`;
const rowWithId = (id: string) => `.feed-row[data-comment-id="${id}"]`;
/** Batches reach localStorage within a short write window after they are shown. */
const persistedIs = persistedCountIs;

/** Options of {@link runScenario}. */
export interface ScenarioOptions {
  /** Label in the screenshot's file name. */
  label: string;
  /** Extra steps with the first page open and live (e.g. invalid events on the fake). */
  whileLive?: (page: Page, t: Deno.TestContext) => Promise<void>;
}

/** Runs every acceptance check of the dashboard against `backend`. */
export async function runScenario(
  t: Deno.TestContext,
  backend: Backend,
  options: ScenarioOptions,
): Promise<void> {
  const dashboard = await startDashboard(backend.apiUrl);
  let browser: Browser | null = null;
  try {
    browser = await launchChromium();
    const context = await newTestContext(browser);
    await scenario(t, backend, dashboard.url, context, options);
  } finally {
    await browser?.close();
    await dashboard.stop();
  }
}

async function scenario(
  t: Deno.TestContext,
  backend: Backend,
  url: string,
  context: BrowserContext,
  options: ScenarioOptions,
): Promise<void> {
  const history = await backend.store(variedSpecs(240, 25));
  let total = history.length;
  const page = await context.newPage();
  const errors = echoPageErrors(page, "tab 1");

  await t.step("first visit backfills the recent comments and goes live", async () => {
    await page.goto(url);
    await waitFor(page, "backfill", storedIs(total));
    await waitFor(page, "live", connectionIs("live"));
    assertEquals(Number(await attr(page, ".feed-count", "data-shown")), total);
  });

  await t.step("a stored comment shows in the feed and the counts within 1 s", async () => {
    for (const tag of ["NEGATIVE", "UNRELATED", "POSITIVE"] as const) {
      const cardBefore = Number(
        await attr(page, `.tag-card[data-tag=${tag}] .tag-card-count`, "data-count"),
      );
      // Watch from inside the page, so the time measured is the page's own.
      const watching = page.evaluate(
        ([tag, before]) =>
          new Promise<number>((resolve) => {
            const started = performance.now();
            const check = () => {
              const card = document.querySelector<HTMLElement>(
                `.tag-card[data-tag=${tag}] .tag-card-count`,
              );
              if (Number(card?.dataset.count) === Number(before) + 1) {
                resolve(performance.now() - started);
              } else requestAnimationFrame(check);
            };
            check();
          }),
        [tag, String(cardBefore)] as const,
      );
      const storedAt = performance.now();
      const [comment] = await backend.store([{ text: `fresh ${tag} comment`, tag }]);
      const storeMs = performance.now() - storedAt;
      total++;
      await page.waitForSelector(rowWithId(comment.commentId), { timeout: 1_000 + storeMs });
      const countsMs = await watching;
      const sinceStored = performance.now() - storedAt - storeMs;
      console.log(
        `    ${tag}: in feed and counts ${sinceStored.toFixed(0)} ms after being stored ` +
          `(counts updated ${countsMs.toFixed(0)} ms after the watch began)`,
      );
      ok(sinceStored < 1_000, `took ${sinceStored} ms`);
      assertEquals(await storedCount(page), total);
    }
  });

  await t.step("the tag filter and the search narrow the list", async () => {
    const [needle] = await backend.store([{
      text: "zebra crossing <b>unique</b>",
      tag: "NEUTRAL",
    }]);
    total++;
    await waitFor(page, "stored", storedIs(total));
    await page.selectOption("select[name=tag]", "NEGATIVE");
    await waitFor(
      page,
      "tag filter",
      `(n => n > 0 && n < ${total})(Number(document.querySelector('.feed-count').dataset.shown))`,
    );
    const badges = await page.locator(".feed-row .badge").allInnerTexts();
    ok(badges.length > 0 && badges.every((text) => text === "Negative"), badges.join());
    await page.selectOption("select[name=tag]", "");
    await page.fill("input[name=q]", "ZEBRA");
    await waitFor(page, "search", `document.querySelector('.feed-count').dataset.shown === '1'`);
    const row = page.locator(rowWithId(needle.commentId));
    // The text is shown as text: the markup in it is not turned into elements.
    assertEquals(await row.locator(".feed-text").innerText(), "zebra crossing <b>unique</b>");
    assertEquals(await row.locator(".feed-text b").count(), 0);
    await page.fill("input[name=q]", "");
    await waitFor(
      page,
      "search cleared",
      `document.querySelector('.feed-count').dataset.shown === '${total}'`,
    );
  });

  if (options.whileLive) await options.whileLive(page, t);

  await t.step("a second tab receives the same data", async () => {
    const second = await context.newPage();
    echoPageErrors(second, "tab 2");
    await second.goto(url);
    await waitFor(second, "second tab restored", storedIs(total));
    const [comment] = await backend.store([{ text: "seen by both tabs", tag: "POSITIVE" }]);
    total++;
    for (const tab of [page, second]) {
      await tab.waitForSelector(rowWithId(comment.commentId), { timeout: 10_000 });
      await waitFor(tab, "both tabs", storedIs(total));
    }
    await waitFor(page, "persisted", persistedIs(total));
    assertEquals((await persistedIds(second)).sort(), (await persistedIds(page)).sort());
    await second.close();
  });

  await t.step("a screenshot under live load shows every panel populated", async () => {
    let n = 0;
    let feeding = true;
    const feeder = (async () => {
      while (feeding) {
        const stored = await backend.store(variedSpecs(5, 0, 1_000 + n));
        n += stored.length;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await page.waitForTimeout(2_500);
    for (
      const selector of [
        ".tag-card-count",
        ".share-value",
        ".chart rect.bar",
        ".server-totals dd",
        ".feed-row",
      ]
    ) {
      ok(await page.locator(selector).count() > 0, `${selector} is shown`);
    }
    const folder = artifactsDir();
    await Deno.mkdir(folder, { recursive: true });
    const file = join(folder, `dashboard-${options.label}.png`);
    await page.screenshot({ path: file, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const phone = join(folder, `dashboard-${options.label}-phone.png`);
    await page.screenshot({ path: phone, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 1100 });
    feeding = false;
    await feeder;
    total += n;
    await waitFor(page, "load stored", storedIs(total));
    console.log(
      `    screenshots in ${folder}/ (${file.split("/").at(-1)}, ${phone.split("/").at(-1)})`,
    );
  });

  await t.step("reload with the api stopped shows the persisted comments, offline", async () => {
    await backend.stop();
    await waitFor(page, "lost", connectionIs("reconnecting", "offline"));
    await page.reload();
    await waitFor(page, "restored", storedIs(total));
    await waitFor(page, "offline", connectionIs("offline"));
    ok((await page.locator(".connection").innerText()).includes("Offline"));
    ok(await page.locator(".feed-row").count() > 5);
  });

  await t.step("the api comes back: the stream resumes without duplicates", async () => {
    const missed = await backend.store(variedSpecs(7, 0, 5_000)).catch(() => null);
    await backend.start();
    if (missed) total += missed.length;
    const [after] = await backend.store([{ text: "after the restart", tag: "NEGATIVE" }]);
    total++;
    await waitFor(page, "live again", connectionIs("live"), 30_000);
    await page.waitForSelector(rowWithId(after.commentId), { timeout: 20_000 });
    await waitFor(page, "all stored", storedIs(total));
    await waitFor(page, "all persisted", persistedIs(total));
    const ids = await persistedIds(page);
    assertEquals(ids.length, total);
    assertEquals(new Set(ids).size, total);
    assertEquals(Number(await attr(page, ".feed-count", "data-shown")), total);
  });

  await t.step(
    "a stored seq ahead of the server's newest: cleared, said so, loaded again",
    async () => {
      // What a browser holds after the server's database was reset: a comment past its newest.
      await injectStoredRow(page, { commentId: "from-before-the-reset", seq: 999_999_999 });
      await page.reload();
      await waitFor(page, "reset notice", `document.querySelector('.notice') !== null`, 30_000);
      const notice = await page.locator(".notice").innerText();
      ok(
        notice.includes(`The server's history was reset; cleared ${total + 1} stored comments`),
        notice,
      );
      await waitFor(page, "loaded again", storedIs(total), 30_000);
      await waitFor(page, "live", connectionIs("live"));
      const [after] = await backend.store([{ text: "after the reset", tag: "POSITIVE" }]);
      total++;
      await page.waitForSelector(rowWithId(after.commentId), { timeout: 20_000 });
      await waitFor(page, "persisted", persistedIs(total));
      ok(!(await persistedIds(page)).includes("from-before-the-reset"));
    },
  );

  const unexpected = errors.filter((text) =>
    !text.includes("Failed to load resource") && !text.includes("EventSource")
  );
  assertEquals(unexpected, []);
}
