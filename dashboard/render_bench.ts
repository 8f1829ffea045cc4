/**
 * Browser benchmark (not a test): with 5 000 comments in the collection, apply a batch of 100
 * new ones and measure, inside Chromium, how long until the page shows them.
 *
 *   deno run -P=dashboard-bench dashboard/render_bench.ts [--batches=60] [--batch=100]
 *     [--every=100] [--json | --profile]
 *
 * Each batch goes through the same path as a flush of the stream: validation, dedup, one
 * transaction inserting 100 and evicting the 100 oldest, the live queries, and Preact
 * re-rendering every panel. Batches come every 100 ms, as the stream flushes them at 1 000
 * comments/s, and the store writes localStorage on its own schedule in between. Per batch:
 * - apply: `store.ingest(batch)` returned (collection and live queries updated);
 * - dom: the feed, counts and chart show the batch (MutationObserver, after Preact's commit);
 * - frame: the next animation frame after that, i.e. the update is ready to paint.
 * Over the run: the long tasks (> 50 ms) the page had, which is where the writes show, and the
 * scripts of the long animation frames (what made them long); the writes of the comments to
 * localStorage (a write is a commit: a `setItem` of the manifest, or of the single key of the
 * earlier layout) and the characters each one stored (segments and manifest together). Then,
 * apart, the time from asking for one write to its commit (elapsed: a staged write yields to the
 * browser between its steps).
 *
 * `--json` prints the figures as one JSON line and nothing else (for `deno task bench`).
 * `--profile` bundles unminified and records a CPU profile of the measured batches, then prints
 * the functions that took the most time per batch (self and total).
 *
 * @module
 */
import type { Page } from "playwright-core";
import { FakeApi, sampleComment } from "./testing/fake_api.ts";
import { launchChromium, newTestPage, startDashboard } from "./testing/browser.ts";
import { type CpuProfile, functionTimes } from "@sentiment/bench/profile";

const flag = (name: string, fallback: number) =>
  Number(Deno.args.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const batches = flag("batches", 60);
const profiling = Deno.args.includes("--profile");
const jsonOnly = Deno.args.includes("--json");
const COLLECTION = 5_000;
/** Comments per batch and the time between batches: 100 every 100 ms is 1 000 comments/s. */
const BATCH = flag("batch", 100);
const BATCH_EVERY_MS = flag("every", 100);
const WARM_UP_BATCHES = 5;
const WRITES_TIMED = 10;

const longText = (n: number) =>
  `${sampleComment(n).text} — ${"honestly the new version is quite something ".repeat(2)}`;

let seq = 1_000_000;
let made = 0;
function nextBatch(): string[] {
  return Array.from({ length: BATCH }, () => {
    const n = made++;
    return JSON.stringify({ ...sampleComment(n, { text: longText(n) }), seq: ++seq });
  });
}

/** What the page collects during the measured batches. */
interface BenchState {
  longTasks: number[];
  longFrameScripts: Record<string, number>;
  storageWrites: number;
  storageChars: number;
}

/** The part of a PerformanceLongAnimationFrameTiming entry read here. */
interface LongFrame {
  scripts?: {
    invoker: string;
    sourceFunctionName?: string;
    sourceCharPosition?: number;
    duration: number;
  }[];
}

interface Timing {
  apply: number;
  dom: number;
  frame: number;
  /** The localStorage write that followed, when it was asked for at once. */
  write: number | null;
}

/** Applies one batch in the page and times it until it is on screen (and stored if asked). */
function applyBatch(page: Page, batch: string[], persistAtOnce: boolean): Promise<Timing> {
  return page.evaluate(async ({ batch, persistAtOnce }) => {
    type App = {
      store: { ingest(values: unknown[]): unknown; whenPersisted(): Promise<void> };
    };
    const app = (globalThis as unknown as { dashboard: App }).dashboard;
    const newest = JSON.parse(batch.at(-1)!) as { commentId: string };
    const stored = document.querySelector<HTMLElement>(".stored")!;
    const before = stored.dataset.stored;
    // On screen: the newest row is in the feed and the count has settled at the bound again.
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
    let write = null;
    if (persistAtOnce) {
      const writeStart = performance.now();
      await app.store.whenPersisted();
      write = performance.now() - writeStart;
    }
    return { apply: applyAt - start, dom: domAt - start, frame: frameAt - start, write };
  }, { batch, persistAtOnce });
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    median: +at(0.5).toFixed(1),
    p90: +at(0.9).toFixed(1),
    max: +sorted.at(-1)!.toFixed(1),
    overOneFrame: sorted.filter((value) => value > 1000 / 60).length,
  };
}

const api = new FakeApi();
await api.start();
api.store(Array.from({ length: COLLECTION }, (_, i) => sampleComment(i, { text: longText(i) })));
const dashboard = await startDashboard(api.url, {
  maxComments: COLLECTION,
  minify: !profiling,
});
const browser = await launchChromium();
try {
  const page = await newTestPage(browser);
  await page.goto(`${dashboard.url}/?debug`);
  await page.waitForFunction(
    `Number(document.querySelector('.stored')?.dataset.stored) === ${COLLECTION}`,
    undefined,
    { timeout: 120_000 },
  );
  await page.waitForTimeout(500);
  const storedChars = await page.evaluate(() =>
    [...Object.keys(localStorage)].reduce(
      (sum, key) => sum + (localStorage.getItem(key)?.length ?? 0),
      0,
    )
  );
  for (let b = 0; b < WARM_UP_BATCHES; b++) await applyBatch(page, nextBatch(), true);

  const cdp = profiling ? await page.context().newCDPSession(page) : null;
  if (cdp) {
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
    await cdp.send("Profiler.start");
  }
  await page.evaluate(() => {
    const state = globalThis as unknown as BenchState;
    state.longTasks = [];
    state.longFrameScripts = {};
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) state.longTasks.push(entry.duration);
    }).observe({ type: "longtask" });
    // What ran in each long animation frame, by invoker and function (Chromium's LoAF entries).
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as unknown as LongFrame[]) {
        for (const script of entry.scripts ?? []) {
          const where = script.sourceFunctionName || `@${script.sourceCharPosition ?? "?"}`;
          const name = `${script.invoker} ${where}`;
          state.longFrameScripts[name] = (state.longFrameScripts[name] ?? 0) + script.duration;
        }
      }
    }).observe({ type: "long-animation-frame" });
    // Counts the commits of the comments (a manifest, or the earlier layout's single key) and
    // every character written for them.
    state.storageWrites = 0;
    state.storageChars = 0;
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key: string, value: string) {
      if (key.startsWith("sentiment-dashboard/comments/")) {
        if (!key.includes("/segment/")) state.storageWrites++;
        state.storageChars += key.length + value.length;
      }
      return setItem.call(this, key, value);
    };
  });
  const started = performance.now();
  const timings: Timing[] = [];
  for (let b = 0; b < batches; b++) {
    const due = started + b * BATCH_EVERY_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    timings.push(await applyBatch(page, nextBatch(), false));
  }
  await page.evaluate(async () => {
    await (globalThis as unknown as { dashboard: { store: { whenPersisted(): Promise<void> } } })
      .dashboard.store.whenPersisted();
  });
  const seconds = (performance.now() - started) / 1000;
  const { longTasks, storageWrites, storageChars, longFrameScripts } = await page.evaluate(() => {
    const { longTasks, storageWrites, storageChars, longFrameScripts } =
      globalThis as unknown as BenchState;
    return { longTasks, storageWrites, storageChars, longFrameScripts };
  });
  const profile = cdp ? (await cdp.send("Profiler.stop") as { profile: CpuProfile }).profile : null;

  const writes: number[] = [];
  for (let b = 0; b < WRITES_TIMED; b++) {
    writes.push((await applyBatch(page, nextBatch(), true)).write!);
  }
  const figures = {
    collection: COLLECTION,
    batch: BATCH,
    batches: timings.length,
    batchEveryMs: BATCH_EVERY_MS,
    localStorageChars: storedChars,
    applyMs: stats(timings.map((t) => t.apply)),
    domMs: stats(timings.map((t) => t.dom)),
    nextFrameMs: stats(timings.map((t) => t.frame)),
    longTasks: {
      count: longTasks.length,
      perSecond: +(longTasks.length / seconds).toFixed(2),
      ms: longTasks.length ? stats(longTasks) : null,
    },
    longFrameScriptsMs: Object.fromEntries(
      Object.entries(longFrameScripts).sort((a, b) => b[1] - a[1]).slice(0, 8)
        .map(([name, ms]) => [name, Math.round(ms)]),
    ),
    storageWritesPerSecond: +(storageWrites / seconds).toFixed(2),
    storageCharsPerWrite: storageWrites ? Math.round(storageChars / storageWrites) : 0,
    storageWriteMs: stats(writes),
    chromium: browser.version(),
  };
  if (jsonOnly) console.log(JSON.stringify(figures));
  else {
    console.log(JSON.stringify(figures, null, 2));
    console.log(
      `apply/dom ms per batch: ${
        timings.map((t) => `${t.apply.toFixed(0)}/${t.dom.toFixed(0)}`).join(" ")
      }`,
    );
  }
  if (profile) {
    const perBatch = (ms: number) => +(ms / timings.length).toFixed(2);
    for (const sortBy of ["selfMs", "totalMs"] as const) {
      console.log(`\nper batch, by ${sortBy} (the store's own writes included):`);
      for (const time of functionTimes(profile, { sortBy, top: 40 })) {
        console.log(
          `${String(perBatch(time.selfMs)).padStart(7)} self ${
            String(perBatch(time.totalMs)).padStart(7)
          } total  ${time.name}`,
        );
      }
    }
  }
} finally {
  await browser.close();
  await dashboard.stop();
  await api.stop();
}
