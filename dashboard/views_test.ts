/**
 * What a reader of the dashboard meets, in Chromium against the fake api: honest messages
 * (a refused token, an api away, a reset history), views that can be shared (filters in the
 * URL, back/forward), and what someone watching sentiment needs (a comment's details, any
 * source name, the negative share), with outside text that cannot reorder the page.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { sampleComment } from "./testing/fake_api.ts";
import { persistedCountIs, persistedIds } from "./testing/stored.ts";
import { formatTime } from "./components/format.ts";
import {
  connectionIs,
  pageTest,
  storedIs,
  unexpectedErrors,
  waitFor,
} from "./testing/page_test.ts";

const TOKEN = "views-test-token";
const statusText = (page: Page) => page.locator(".status-bar").innerText();
/** The next attempt is scheduled (between attempts; during one it says "reconnecting…"). */
const RETRY_COUNTDOWN =
  `/^reconnecting in \\d+ s$/.test(document.querySelector('.retry')?.innerText)`;
const shownIs = (n: number) =>
  `Number(document.querySelector('.feed-count')?.dataset.shown) === ${n}`;

/** The values of the feed's filter controls. */
function controls(page: Page) {
  return page.evaluate(() => {
    const value = (name: string) =>
      document.querySelector<HTMLInputElement | HTMLSelectElement>(`[name=${name}]`)?.value;
    return {
      tag: value("tag"),
      source: value("source"),
      language: value("language"),
      q: value("q"),
    };
  });
}

pageTest(
  "an api that refuses the dashboard's token says so (401), not offline, and recovers",
  async ({ api, page, url, errors }) => {
    api.store(Array.from({ length: 5 }, (_, i) => sampleComment(i)));
    await page.goto(url);
    await waitFor(page, "refused", connectionIs("refused"));
    await waitFor(page, "countdown", RETRY_COUNTDOWN);
    const text = await statusText(page);
    ok(text.includes("The api refused the dashboard (401): check API_TOKEN"), text);
    ok(!text.includes("Offline"), text);
    ok(/reconnecting (in \d+ s|…)/.test(text), text);
    await waitFor(
      page,
      "totals say it too",
      `document.querySelector('#totals-title').closest('section').innerText.includes('refused the dashboard (401)')`,
    );
    // The token is fixed on the api's side: the next attempt gets in.
    api.requireToken(undefined);
    await waitFor(page, "live", connectionIs("live"), 30_000);
    await waitFor(page, "backfilled", storedIs(5));
    assertEquals(unexpectedErrors(errors).filter((e) => !e.includes("401")), []);
  },
  { api: { token: TOKEN } },
);

pageTest(
  "while the api is away: reconnecting in N s, the last event's time, no space before a colon",
  async ({ api, page, url }) => {
    api.store(Array.from({ length: 5 }, (_, i) => sampleComment(i)));
    await page.goto(url);
    await waitFor(page, "live", connectionIs("live"));
    api.store([sampleComment(10)]);
    await waitFor(page, "streamed", storedIs(6));
    const lastEvent = Number(
      await page.locator("[data-last-event]").getAttribute("data-last-event"),
    );
    await api.stop();
    await waitFor(page, "reconnecting", connectionIs("reconnecting"));
    await waitFor(
      page,
      "countdown",
      `/Reconnecting in \\d+ s/.test(document.querySelector('.connection').innerText)`,
    );
    // A few failures later: offline, and why.
    await waitFor(page, "offline", connectionIs("offline"), 30_000);
    await waitFor(page, "countdown while offline", RETRY_COUNTDOWN);
    const text = await statusText(page);
    ok(
      /Offline since \d\d:\d\d:\d\d: the api is not answering \(502\); showing the comments stored in this browser/
        .test(text),
      text,
    );
    ok(/reconnecting (in \d+ s|…)/.test(text), text);
    ok(text.includes(`last event ${formatTime(lastEvent)}`), text);
    const pill = await page.locator(".connection").innerText();
    ok(!/\s:/.test(pill), `a space before a colon in "${pill}"`);
    await api.start();
    await waitFor(page, "live again", connectionIs("live"), 30_000);
  },
);

pageTest(
  "filters live in the URL: restored on load, written on change, stepped through by back/forward",
  async ({ api, page, url }) => {
    api.store([
      sampleComment(1, { tag: "NEGATIVE", source: "reddit", language: "de", text: "schlecht" }),
      sampleComment(2, { tag: "NEGATIVE", source: "twitter", language: "en", text: "terrible" }),
      sampleComment(3, { tag: "POSITIVE", source: "reddit", language: "en", text: "great" }),
      sampleComment(4, { tag: "NEGATIVE", source: "reddit", language: "en", text: "awful" }),
      sampleComment(5, { tag: "NEUTRAL", source: "trustpilot", text: "fine, terrible shipping" }),
    ]);
    await page.goto(`${url}/?tag=negative&source=reddit`);
    await waitFor(page, "stored", storedIs(5));
    await waitFor(page, "restored from the URL", shownIs(2));
    assertEquals(await controls(page), { tag: "NEGATIVE", source: "reddit", language: "", q: "" });

    await page.selectOption("select[name=language]", "en");
    await waitFor(page, "language", shownIs(1));
    assertEquals(new URL(page.url()).search, "?tag=negative&source=reddit&language=en");
    await page.selectOption("select[name=tag]", "");
    await page.selectOption("select[name=source]", "");
    await page.selectOption("select[name=language]", "");
    await page.fill("input[name=q]", "terrible");
    await waitFor(page, "search", shownIs(2));
    await page.waitForFunction(() => location.search === "?q=terrible");

    // Back: the search goes (one step, however it was typed), then the choices one by one.
    await page.goBack();
    await waitFor(page, "back to no filter", shownIs(5));
    assertEquals(await controls(page), { tag: "", source: "", language: "", q: "" });
    await page.goBack();
    await page.goBack();
    await page.goBack();
    await waitFor(page, "back to tag, source and language", shownIs(1));
    assertEquals(await controls(page), {
      tag: "NEGATIVE",
      source: "reddit",
      language: "en",
      q: "",
    });
    await page.goForward();
    await page.goForward();
    await page.goForward();
    await page.goForward();
    await waitFor(page, "forward to the search", shownIs(2));
    assertEquals((await controls(page)).q, "terrible");

    // A shared link opens the same view; an unknown source is still offered and chosen.
    await page.goto(`${url}/?source=mastodon&q=nothing`);
    await waitFor(page, "shared link", shownIs(0));
    assertEquals(await controls(page), { tag: "", source: "mastodon", language: "", q: "nothing" });
    ok(await page.locator(".feed-empty").isVisible());
  },
);

pageTest(
  "a stored seq ahead of the server's newest resets the store, says so, and goes on",
  async ({ api, page, url }) => {
    api.store(Array.from({ length: 300 }, (_, i) => sampleComment(i)));
    await page.goto(url);
    await waitFor(page, "backfilled", storedIs(300));
    await waitFor(page, "live", connectionIs("live"));
    // The server's database is reset: seqs start again at 1, far below the 300 stored.
    api.resetHistory();
    const fresh = api.store(Array.from({ length: 5 }, (_, i) => sampleComment(1_000 + i)));
    await waitFor(page, "reset notice", `document.querySelector('.notice') !== null`, 30_000);
    const notice = await page.locator(".notice").innerText();
    ok(notice.includes("The server's history was reset; cleared 300 stored comments"), notice);
    await waitFor(page, "the server's comments loaded", storedIs(5));
    const reset = api.connections.find((connection) => connection.reset)?.reset;
    assertEquals(reset, { reason: "last_event_id_ahead", lastEventId: 300, newestSeq: 5 });
    await page.waitForFunction(persistedCountIs(5));
    assertEquals((await persistedIds(page)).sort(), fresh.map((c) => c.commentId).sort());
    // It goes on streaming from the server's newest.
    const [next] = api.store([sampleComment(2_000)]);
    await page.waitForSelector(`.feed-row[data-comment-id="${next.commentId}"]`);
    await waitFor(page, "stored", storedIs(6));
    await page.locator(".notice button").click();
    assertEquals(await page.locator(".notice").count(), 0);
  },
);

pageTest(
  "a returning visitor sees the restored totals without 'Not loaded yet.' below them",
  async ({ api, page, url }) => {
    api.store(Array.from({ length: 12 }, (_, i) => sampleComment(i)));
    await page.goto(url);
    await page.waitForSelector(".server-totals dl");
    await page.reload();
    await page.waitForSelector(".server-totals dl");
    const panel = await page.locator("#totals-title").locator("xpath=ancestor::section")
      .innerText();
    ok(panel.includes("Comments stored"), panel);
    ok(!panel.includes("Not loaded yet."), panel);
    // No island kept server markup beside what it rendered.
    const islands = await page.locator("[data-island]").evaluateAll((elements) =>
      elements.map((element) => element.querySelectorAll(":scope > *").length)
    );
    ok(islands.every((children) => children === 1), JSON.stringify(islands));
  },
);

pageTest(
  "right-to-left overrides in a comment or a source reorder nothing around them",
  async ({ api, page, url }) => {
    const text = "LTR override \u202Egnp.exe";
    const [comment] = api.store([sampleComment(1, { text, source: "evil\u202Eecruos" })]);
    await page.goto(url);
    await waitFor(page, "stored", storedIs(1));
    const row = page.locator(`.feed-row[data-comment-id="${comment.commentId}"]`);
    assertEquals(await row.locator(".feed-text bdi").innerText(), text);
    // In the row, the time stays to the right of the source.
    const source = await row.locator(".source").boundingBox();
    const time = await row.locator("time").boundingBox();
    ok(source && time && time.x > source.x + source.width - 1, JSON.stringify({ source, time }));
    await row.locator("button").click();
    const details = page.locator(".comment-details");
    await details.waitFor();
    // The closing quote follows the text, and "at <time>" follows the source, on the right.
    const quoted = await details.locator(".details-text bdi").boundingBox();
    const quoteEnd = await details.locator(".quote-end").boundingBox();
    ok(
      quoted && quoteEnd && quoteEnd.x >= quoted.x + quoted.width - 1,
      JSON.stringify({ quoted, quoteEnd }),
    );
    const posted = await details.locator(".details-posted").innerText();
    ok(/^Posted on evil.ecruos at \d{4}-\d\d-\d\d/.test(posted), posted);
    const sourceBox = await details.locator(".details-source").boundingBox();
    const timeBox = await details.locator(".details-posted time").boundingBox();
    ok(
      sourceBox && timeBox && timeBox.x > sourceBox.x + sourceBox.width - 1,
      JSON.stringify({ sourceBox, timeBox }),
    );
  },
);

pageTest(
  "a comment opens with its score, language and reasons, each only when it has them",
  async ({ api, page, url }) => {
    const [scored, plain] = api.store([
      sampleComment(1, {
        text: "Das war leider nichts",
        tag: "NEGATIVE",
        score: -0.75,
        language: "de",
        reasons: ["leider", "nichts"],
      }),
      sampleComment(2, { text: "no analysis for this one", tag: "NEUTRAL" }),
    ]);
    await page.goto(url);
    await waitFor(page, "stored", storedIs(2));
    const open = async (id: string) => {
      await page.locator(`.feed-row[data-comment-id="${id}"] button`).click();
      await page.locator(`.comment-details [data-comment-id="${id}"]`).waitFor();
      return page.locator(".comment-details").evaluate((dialog) =>
        Object.fromEntries(
          [...dialog.querySelectorAll<HTMLElement>("[data-field]")].map((field) => [
            field.dataset.field,
            field.querySelector("dd")!.innerText,
          ]),
        )
      );
    };
    const fields = await open(scored.commentId);
    assertEquals(Object.keys(fields), ["score", "language", "reasons", "id"]);
    ok(fields.score.startsWith("\u22120.75"), fields.score);
    assertEquals(fields.language, "German (de)");
    assertEquals(fields.reasons.split("\n"), ["leider", "nichts"]);
    assertEquals(
      await page.locator(".comment-details .details-text").innerText(),
      "“Das war leider nichts”",
    );
    await page.keyboard.press("Escape");
    await page.locator(".comment-details[open]").waitFor({ state: "detached" }).catch(() =>
      undefined
    );
    ok(!(await page.locator(".comment-details").evaluate((d) => (d as HTMLDialogElement).open)));
    assertEquals(Object.keys(await open(plain.commentId)), ["id"]);
    await page.locator(".comment-details .details-close").click();
    // The feed shows the language it knows.
    assertEquals(
      await page.locator(`.feed-row[data-comment-id="${scored.commentId}"] .language`).innerText(),
      "de",
    );
  },
);

pageTest(
  "any source name is listed: the top 8 by count, known ones by label, the rest as others",
  async ({ api, page, url }) => {
    const sources = [
      ["trustpilot", 9],
      ["twitter", 8],
      ["forum.example", 7],
      ["tiktok", 6],
      ["g2", 5],
      ["capterra", 4],
      ["hn", 3],
      ["mastodon", 2],
      ["bluesky", 1],
      ["lemmy", 1],
    ] as const;
    let n = 0;
    api.store(
      sources.flatMap(([source, count]) =>
        Array.from({ length: count }, () => sampleComment(n++, { source }))
      ),
    );
    await page.goto(url);
    await waitFor(page, "stored", storedIs(n));
    const rows = await page.locator(".share-bars li").evaluateAll((items) =>
      items.map((item) => [
        item.querySelector(".share-label")!.textContent,
        item.querySelector(".share-value small")!.textContent,
      ])
    );
    assertEquals(rows, [
      ["trustpilot", "(9)"],
      ["Twitter", "(8)"],
      ["forum.example", "(7)"],
      ["TikTok", "(6)"],
      ["g2", "(5)"],
      ["capterra", "(4)"],
      ["hn", "(3)"],
      ["mastodon", "(2)"],
      ["2 others", "(2)"],
    ]);
    // The source filter offers them too, and narrows by any of them.
    const options = await page.locator("select[name=source] option").allInnerTexts();
    ok(options.includes("trustpilot") && options.includes("lemmy") && options.includes("Reddit"));
    await page.selectOption("select[name=source]", "forum.example");
    await waitFor(page, "filtered", shownIs(7));
  },
);

pageTest(
  "the chart draws the negative share, rolling by minute",
  async ({ api, page, url }) => {
    const minute = 60_000;
    const start = Math.floor(Date.now() / minute) * minute;
    const at = (minutesAgo: number) => new Date(start - minutesAgo * minute + 1_000).toISOString();
    let n = 0;
    const make = (minutesAgo: number, negative: number, other: number) => [
      ...Array.from(
        { length: negative },
        () => sampleComment(n++, { tag: "NEGATIVE", createdAt: at(minutesAgo) }),
      ),
      ...Array.from(
        { length: other },
        () => sampleComment(n++, { tag: "POSITIVE", createdAt: at(minutesAgo) }),
      ),
    ];
    // Ten minutes ago 1 in 4 negative; in the last five minutes 6 in 8.
    api.store([...make(10, 1, 3), ...make(3, 2, 2), ...make(0, 4, 0)]);
    await page.goto(url);
    await waitFor(page, "stored", storedIs(n));
    assertEquals(
      await page.locator(".legend-line").getAttribute("data-latest-share"),
      String(6 / 8),
    );
    ok((await page.locator(".legend-line").innerText()).includes("75% now"));
    const points = await page.locator(".chart .share-path").evaluateAll((paths) =>
      paths.map((path) => path.getAttribute("points")!.split(" ").length)
    );
    // Two runs: minutes -10..-6 (5 points) and -3..0 (4 points).
    assertEquals(points, [5, 4]);
  },
);
