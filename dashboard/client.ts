/**
 * The browser entry (bundled into static/build/client.js): renders each island into the
 * element the server rendered it into, then starts syncing.
 *
 * @module
 */
import { h, render } from "preact";
import { ISLANDS } from "./islands/mod.ts";
import { getApp, startApp } from "./lib/app.ts";

for (const element of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const component = ISLANDS[element.dataset.island ?? ""];
  if (!component) {
    console.error(`unknown island "${element.dataset.island}"`);
    continue;
  }
  // The server rendered the empty state; data lives in this browser, so render (not hydrate)
  // lets Preact correct every attribute and text that differs, reusing the existing nodes.
  render(h(component, JSON.parse(element.dataset.props ?? "{}")), element);
}

// `?debug` exposes the app to the console and to the render benchmark.
if (new URLSearchParams(location.search).has("debug")) {
  (globalThis as { dashboard?: unknown }).dashboard = getApp();
}

void startApp().catch((error) => console.error("the dashboard could not start", error));
