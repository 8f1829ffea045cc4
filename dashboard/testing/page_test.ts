/**
 * One browser test: a fake api, the dashboard in front of it (restartable at the same origin,
 * so the page keeps its storage and service worker) and a Chromium page; all stopped after.
 * Plus the waits the tests share.
 *
 * @module
 */
import type { Browser, Page } from "playwright-core";
import { FakeApi, type FakeApiOptions } from "./fake_api.ts";
import {
  echoPageErrors,
  launchChromium,
  newTestPage,
  type RunningDashboard,
  startDashboard,
} from "./browser.ts";

/** The dashboard of a test: stoppable and startable again on the same port. */
export interface TestDashboard {
  readonly url: string;
  stop(): Promise<void>;
  /** Starts again on the same port (optionally with another bound, i.e. another version). */
  start(options?: { maxComments?: number }): Promise<void>;
}

/** What a test gets. */
export interface PageTestSetup {
  api: FakeApi;
  dashboard: TestDashboard;
  url: string;
  page: Page;
  browser: Browser;
  /** Console and page errors so far (network failures included). */
  errors: string[];
}

/** Options of {@link pageTest}. */
export interface PageTestOptions {
  api?: FakeApiOptions;
  apiToken?: string | null;
  maxComments?: number;
}

/** Registers a Deno test with a fresh fake api, dashboard and page. */
export function pageTest(
  name: string,
  fn: (setup: PageTestSetup, t: Deno.TestContext) => Promise<void>,
  options: PageTestOptions = {},
): void {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async (t) => {
      const api = new FakeApi(options.api);
      await api.start();
      const dashboardOptions = {
        apiToken: options.apiToken ?? null,
        maxComments: options.maxComments ?? 5_000,
      };
      let running: RunningDashboard | null = await startDashboard(api.url, dashboardOptions);
      const port = running.port;
      const url = running.url;
      const dashboard: TestDashboard = {
        url,
        stop: async () => {
          await running?.stop();
          running = null;
        },
        start: async (overrides = {}) => {
          running = await startDashboard(api.url, { ...dashboardOptions, ...overrides, port });
        },
      };
      const browser = await launchChromium();
      try {
        const page = await newTestPage(browser);
        const errors = echoPageErrors(page, name.slice(0, 24));
        await fn({ api, dashboard, url, page, browser, errors }, t);
      } finally {
        await browser.close();
        await running?.stop();
        await api.stop();
      }
    },
  });
}

/** Waits until `expression` is true in the page; a failure says what and shows the status. */
export async function waitFor(
  page: Page,
  what: string,
  expression: string,
  timeout = 20_000,
): Promise<void> {
  try {
    await page.waitForFunction(expression, undefined, { timeout, polling: 20 });
  } catch (error) {
    const status = await page.locator(".status-bar").innerText().catch(() => "?");
    const diagnostics = await page.locator(".diagnostics").innerText().catch(() => "?");
    throw new Error(
      `${what} (status: ${status}; ${diagnostics}): ${(error as Error).message.split("\n")[0]}`,
    );
  }
}

/** An expression: the page says it stores `n` comments. */
export const storedIs = (n: number) =>
  `Number(document.querySelector('.stored')?.dataset.stored) === ${n}`;

/** An expression: the connection pill is in one of `states`. */
export const connectionIs = (...states: string[]) =>
  `${
    JSON.stringify(states)
  }.includes(document.querySelector('[data-connection]')?.dataset.connection)`;

/** Errors other than the browser's own reports of requests that failed (expected offline). */
export function unexpectedErrors(errors: readonly string[]): string[] {
  return errors.filter((text) =>
    !text.includes("Failed to load resource") && !text.includes("EventSource") &&
    !text.includes("ERR_CONNECTION_REFUSED")
  );
}
