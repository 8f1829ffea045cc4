/**
 * The browser entry (bundled into static/build/client.js): renders each island into the
 * element the server rendered it into, then starts syncing.
 *
 * @module
 */
// First: schemas created after it do not compile parsers with eval (see the module).
import "./lib/zod_jitless.ts";
import { h, render } from "preact";
import { ISLANDS } from "./islands/mod.ts";
import { getApp, startApp } from "./lib/app.ts";

for (const element of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const component = ISLANDS[element.dataset.island ?? ""];
  if (!component) {
    console.error(`unknown island "${element.dataset.island}"`);
    continue;
  }
  // The server rendered the empty state; the data lives in this browser, so the island is
  // rendered afresh rather than hydrated. Rendered over the server's nodes, Preact kept those it
  // had no use for (a returning visitor saw "Not loaded yet." below the restored totals), so
  // they are removed first, in the same task: the page never paints without them.
  element.replaceChildren();
  render(h(component, JSON.parse(element.dataset.props ?? "{}")), element);
}

// `?debug` exposes the app to the console and to the render benchmark.
if (new URLSearchParams(location.search).has("debug")) {
  (globalThis as { dashboard?: unknown }).dashboard = getApp();
}

void startApp().catch((error) => console.error("the dashboard could not start", error));
