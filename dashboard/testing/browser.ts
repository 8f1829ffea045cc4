/**
 * Helpers for the browser tests and the benchmark: Debian's Chromium driven by
 * playwright-core (never a downloaded browser), and the dashboard server in process.
 *
 * @module
 */
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { createLogger } from "@sentiment/proto/log";
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
  stop(): Promise<void>;
}

/** Builds the bundle and serves the dashboard in this process, proxying to `apiUrl`. */
export async function startDashboard(
  apiUrl: string,
  { maxComments = 5_000, apiToken = null as string | null, minify = true } = {},
): Promise<RunningDashboard> {
  await ensureBundle({ minify });
  const logger = createLogger("dashboard", "warn");
  const { promise, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => resolve(port) },
    createHandler({ config: { apiUrl, apiToken, maxComments }, logger }),
  );
  const port = await promise;
  return { url: `http://127.0.0.1:${port}`, stop: () => server.shutdown() };
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
