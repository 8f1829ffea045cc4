/**
 * Browser benchmark (not a test): with 5 000 comments in the collection, apply a batch of 100
 * new ones and measure, inside Chromium, how long until the page shows them.
 *
 *   deno run -P=dashboard-bench dashboard/render_bench.ts [--batches=30]
 *
 * Each batch goes through the same path as a flush of the stream: validation, dedup, one
 * transaction inserting 100 and evicting the 100 oldest, one localStorage write, the live
 * queries, and Preact re-rendering every panel. Timings, per batch:
 * - apply: `store.ingest(batch)` resolved (collection, storage and live queries updated);
 * - dom: the feed, counts and chart show the batch (MutationObserver, after Preact's commit);
 * - frame: the next animation frame after that, i.e. the update is ready to paint;
 * - storageWrite: the deferred localStorage write of the batch (not on the path to the screen).
 *
 * @module
 */
import { FakeApi, sampleComment } from "./testing/fake_api.ts";
import { launchChromium, startDashboard } from "./testing/browser.ts";

const batches = Number(Deno.args.find((arg) => arg.startsWith("--batches="))?.split("=")[1] ?? 30);
const COLLECTION = 5_000;
const BATCH = 100;

const longText = (n: number) =>
  `${sampleComment(n).text} — ${"honestly the new version is quite something ".repeat(2)}`;

const api = new FakeApi();
await api.start();
api.store(Array.from({ length: COLLECTION }, (_, i) => sampleComment(i, { text: longText(i) })));
const dashboard = await startDashboard(api.url, { maxComments: COLLECTION });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  await page.goto(`${dashboard.url}/?debug`);
  await page.waitForFunction(
    `Number(document.querySelector('.stored')?.dataset.stored) === ${COLLECTION}`,
    undefined,
    { timeout: 120_000 },
  );
  await page.waitForTimeout(500);
  const storageBytes = await page.evaluate(() =>
    [...Object.keys(localStorage)].reduce(
      (sum, key) => sum + (localStorage.getItem(key)?.length ?? 0),
      0,
    )
  );
  let seq = 1_000_000;
  const results: { apply: number; dom: number; frame: number; write: number }[] = [];
  for (let b = 0; b < batches + 3; b++) {
    const batch = Array.from({ length: BATCH }, (_, i) => {
      const n = b * BATCH + i;
      return JSON.stringify({ ...sampleComment(n, { text: longText(n) }), seq: ++seq });
    });
    const timing = await page.evaluate(async (batch: string[]) => {
      type App = {
        store: { ingest(values: unknown[]): unknown; whenPersisted(): Promise<void> };
      };
      const app = (globalThis as unknown as { dashboard: App }).dashboard;
      const newest = JSON.parse(batch.at(-1)!) as { commentId: string };
      const stored = document.querySelector<HTMLElement>(".stored")!;
      const before = stored.dataset.stored;
      const shown = () =>
        document.querySelector(`.feed-row[data-comment-id="${newest.commentId}"]`) !== null &&
        stored.dataset.stored === before;
      const start = performance.now();
      let domAt = 0;
      const domShown = new Promise<void>((resolve) => {
        const observer = new MutationObserver(() => {
          if (!shown()) return;
          domAt = performance.now();
          observer.disconnect();
          resolve();
        });
        observer.observe(document.body, {
          subtree: true,
          childList: true,
          attributes: true,
          characterData: true,
        });
      });
      app.store.ingest(batch);
      const applyAt = performance.now();
      if (shown()) domAt = performance.now();
      else await domShown;
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const frameAt = performance.now();
      // The write to localStorage happens later, off the path to the screen; timed apart.
      const writeStart = performance.now();
      await app.store.whenPersisted();
      const write = performance.now() - writeStart;
      return { apply: applyAt - start, dom: domAt - start, frame: frameAt - start, write };
    }, batch);
    if (b >= 3) results.push(timing); // the first batches warm up the JIT
    await page.waitForTimeout(50);
  }
  const stat = (key: keyof typeof results[0]) => {
    const values = results.map((r) => r[key]).sort((a, b) => a - b);
    const at = (q: number) => values[Math.min(values.length - 1, Math.floor(q * values.length))];
    return {
      median: +at(0.5).toFixed(1),
      p90: +at(0.9).toFixed(1),
      max: +values.at(-1)!.toFixed(1),
    };
  };
  const summary = {
    collection: COLLECTION,
    batch: BATCH,
    batches: results.length,
    localStorageChars: storageBytes,
    applyMs: stat("apply"),
    domMs: stat("dom"),
    nextFrameMs: stat("frame"),
    storageWriteMs: stat("write"),
    chromium: browser.version(),
  };
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await browser.close();
  await dashboard.stop();
  await api.stop();
}
