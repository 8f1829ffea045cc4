/**
 * Takes the screenshots in dashboard/screenshots/ (linked from dashboard/README.md): the
 * dashboard at 1400 px and at 390 px with half an hour of comments, a comment's details, and
 * the page reopened offline from the service worker. Against the fake api, with data made here,
 * so they can be taken again after a change to the page:
 *
 *   deno run -A dashboard/testing/screenshots.ts
 *
 * @module
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { Tag } from "@sentiment/contracts/messages";
import { FakeApi, sampleComment } from "./fake_api.ts";
import { launchChromium, newTestPage, startDashboard } from "./browser.ts";

const OUT = join(import.meta.dirname!, "..", "screenshots");
const MINUTES = 30;
const PER_MINUTE = 40;

const SOURCES = [
  ["twitter", 9],
  ["reddit", 7],
  ["youtube", 6],
  ["trustpilot", 5],
  ["tiktok", 4],
  ["instagram", 4],
  ["facebook", 3],
  ["g2", 2],
  ["capterra", 1],
  ["mastodon", 1],
] as const;
/**
 * Texts per tag with what the sentiment service answers for each (language, score, reasons), as
 * the classifier on main gives them, so the screenshots show real explanations.
 */
const TEXTS: Record<Tag, [string, string, number, string[]][]> = {
  POSITIVE: [
    ["Love the new release, the sync finally just works", "en", 0.64, ["love"]],
    ["Support sorted my refund in ten minutes, great job", "en", 0.78, ["great", "support"]],
    ["Die neue Version ist wirklich super", "de", 0.57, ["wirklich super"]],
    ["Me encanta la nueva versión", "es", 0.53, ["encanta"]],
  ],
  NEGATIVE: [
    ["The checkout keeps failing and nobody answers", "en", -0.51, ["failing"]],
    ["Worst update so far, everything is slower", "en", -0.62, ["worst"]],
    ["Lieferung kam nicht an, sehr enttäuschend", "de", -0.44, ["sehr enttäuschend"]],
    ["Application nulle depuis la mise à jour", "fr", -0.53, ["nulle"]],
  ],
  NEUTRAL: [
    ["Is the Android app getting the same update?", "en", 0, []],
    ["Delivery took four days, as announced", "en", 0, []],
    ["Le colis est arrivé mardi", "fr", 0, []],
  ],
  UNRELATED: [
    ["Check out my channel, subscribe for daily giveaways", "en", 0, ["follow for follow"]],
    ["What time does the store open on Sundays?", "en", 0, ["opening hours"]],
    ["Win a free iPhone, click the link in my bio", "en", 0, ["promotion"]],
  ],
};

/** A made-up tag, with the negative share rising over the half hour (an incident). */
function tagAt(minute: number, n: number): Tag {
  const negativeShare = 0.15 + 0.45 * Math.max(0, (minute - 12) / (MINUTES - 12));
  const roll = ((n * 7919) % 1000) / 1000;
  if (roll < negativeShare) return "NEGATIVE";
  const rest = (roll - negativeShare) / (1 - negativeShare);
  return rest < 0.5 ? "POSITIVE" : rest < 0.8 ? "NEUTRAL" : "UNRELATED";
}

const weighted = SOURCES.flatMap(([source, weight]) => Array(weight).fill(source) as string[]);

function comment(n: number, createdAt: Date) {
  const minute = MINUTES - Math.ceil((Date.now() - createdAt.getTime()) / 60_000);
  const tag = tagAt(minute, n);
  const [text, language, score, reasons] = TEXTS[tag][n % TEXTS[tag].length];
  // Every fourth comment as an older sentiment service answered it: no explanation.
  const scored = n % 4 !== 0;
  return sampleComment(n, {
    tag,
    text,
    source: weighted[(n * 31) % weighted.length],
    createdAt: createdAt.toISOString(),
    ...(scored ? { language, score, reasons } : {}),
  });
}

async function settle(page: Page, stored: number): Promise<void> {
  await page.waitForFunction(
    `Number(document.querySelector('.stored')?.dataset.stored) === ${stored}`,
    undefined,
    { timeout: 60_000 },
  );
  await page.waitForTimeout(700);
}

await Deno.mkdir(OUT, { recursive: true });
const api = new FakeApi();
await api.start();
const now = Date.now();
let n = 0;
const history = [];
for (let minute = 0; minute < MINUTES; minute++) {
  for (let i = 0; i < PER_MINUTE; i++) {
    const at = new Date(now - (MINUTES - minute) * 60_000 + (i + 0.5) * (60_000 / PER_MINUTE));
    history.push(comment(n++, at));
  }
}
api.store(history);
const dashboard = await startDashboard(api.url);
let serving = true;
const browser = await launchChromium();
try {
  const page = await newTestPage(browser, { viewport: { width: 1400, height: 1000 } });
  await page.goto(dashboard.url);
  await settle(page, n);
  await page.waitForFunction("navigator.serviceWorker.controller !== null");
  // A few live ones, so the status shows a last event.
  api.store(Array.from({ length: 3 }, () => comment(n++, new Date())));
  await settle(page, n);
  const shots: string[] = [];
  const shot = async (name: string, fullPage = true) => {
    const path = join(OUT, name);
    await page.screenshot({ path, fullPage });
    shots.push(path);
  };
  await shot("dashboard-1400.png");

  const scored = page.locator(".feed-row").filter({ has: page.locator(".language") }).first();
  await scored.locator("button").click();
  await page.locator(".comment-details[open]").waitFor();
  await page.waitForTimeout(300);
  await shot("comment-details-1400.png", false);
  await page.keyboard.press("Escape");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${dashboard.url}/?tag=negative&language=de`);
  await settle(page, n);
  await shot("dashboard-filtered-390.png");

  await dashboard.stop();
  serving = false;
  await page.reload();
  await page.waitForFunction(
    `document.querySelector('[data-connection]')?.dataset.connection === 'offline'`,
    undefined,
    { timeout: 30_000 },
  );
  await settle(page, n);
  await shot("offline-390.png", false);
  console.log(JSON.stringify({ message: "screenshots taken", files: shots, comments: n }));
} finally {
  await browser.close();
  if (serving) await dashboard.stop();
  await api.stop();
}
