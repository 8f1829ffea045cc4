/**
 * Helpers for the browser tests and the benchmark: Debian's Chromium driven by
 * playwright-core (never a downloaded browser), and the dashboard server in process.
 *
 * @module
 */
import { join } from "node:path";
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from "playwright-core";
import { createLogger } from "@sentiment/kit/log";
import { buildBundle } from "../build.ts";
import { createHandler } from "../server.tsx";

/** The browser every test uses: the distribution's package, not a Playwright download. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Starts headless Chromium with the flags that keep it quiet and offline from the internet. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A browser context for a test. Playwright's `waitForFunction` compiles its predicate with
 * `new Function` inside the page, which the page's policy forbids, so test contexts bypass the
 * policy; the CSP test uses a context that does not (see browser_test.ts).
 */
export function newTestContext(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: 1280, height: 1100 },
    bypassCSP: true,
    ...options,
  });
}

/** A page in a context of its own (see {@link newTestContext}). */
export async function newTestPage(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<Page> {
  return (await newTestContext(browser, options)).newPage();
}

let built: Promise<unknown> | null = null;

/**
 * Builds the island and service worker bundles once per process (unminified when a profile
 * needs its names).
 */
export function ensureBundle({ minify = true } = {}): Promise<unknown> {
  built ??= buildBundle({ minify });
  return built;
}

/** A dashboard server on a free port. */
export interface RunningDashboard {
  url: string;
  /** Pass it to startDashboard again to come back at the same origin (same storage). */
  port: number;
  stop(): Promise<void>;
}

/** Builds the bundle and serves the dashboard in this process, proxying to `apiUrl`. */
export async function startDashboard(
  apiUrl: string,
  { maxComments = 5_000, apiToken = null as string | null, minify = true, port = 0 } = {},
): Promise<RunningDashboard> {
  await ensureBundle({ minify });
  const logger = createLogger("dashboard", "warn");
  const { promise, resolve } = Promise.withResolvers<number>();
  const stopping = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, onListen: ({ port }) => resolve(port) },
    createHandler({
      config: { apiUrl, apiToken, maxComments },
      logger,
      signal: stopping.signal,
    }),
  );
  const listening = await promise;
  return {
    url: `http://127.0.0.1:${listening}`,
    port: listening,
    stop: () => {
      stopping.abort();
      return server.shutdown();
    },
  };
}

/** Where test runs leave files for CI to keep (screenshots). */
export function artifactsDir(): string {
  return join(import.meta.dirname!, "..", "..", "test-artifacts", "dashboard");
}

/** Forwards the page's console errors and page errors to the test output. */
export function echoPageErrors(page: Page, label: string): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => {
    errors.push(error.message);
    console.error(`[${label}] page error: ${error.message}`);
  });
  page.on("console", (message) => {
    if (message.type() === "error") {
      errors.push(message.text());
      console.error(`[${label}] console: ${message.text()}`);
    }
  });
  return errors;
}
