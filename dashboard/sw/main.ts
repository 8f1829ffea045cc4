/**
 * The dashboard's service worker (bundled into static/build/sw.js, served at `/sw.js` after the
 * manifest the server writes in front of it). It keeps one version of the page shell so that a
 * reload opens with the dashboard server down; the comments themselves are in localStorage.
 *
 * Update path: a new version (a changed `/sw.js`) installs its own cache beside the running
 * one and waits; it takes over when no page of the old version is open, or at once when a page
 * asks (the "new version, reload" prompt), and then deletes the caches of older versions.
 *
 * @module
 */
import { cacheName, routeOf, type ShellManifest, staleCaches } from "./manifest.ts";

// The service worker globals this file uses (the "dom" lib the dashboard compiles with has no
// ServiceWorkerGlobalScope).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface MessageFromPage extends ExtendableEvent {
  readonly data: unknown;
  readonly ports: readonly MessagePort[];
}
interface WorkerScope {
  readonly DASHBOARD_SHELL: ShellManifest;
  readonly location: Location;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
  addEventListener(type: "message", listener: (event: MessageFromPage) => void): void;
}

const worker = self as unknown as WorkerScope;
const manifest = worker.DASHBOARD_SHELL;
const cache = cacheName(manifest.version);
/** A server that accepts the connection but does not answer is treated as down after this. */
const SHELL_TIMEOUT_MS = 4_000;

worker.addEventListener("install", (event) => {
  // `reload` skips the HTTP cache, so the files stored are the ones this version names.
  event.waitUntil(
    caches.open(cache).then((opened) =>
      opened.addAll(manifest.assets.map((url) => new Request(url, { cache: "reload" })))
    ),
  );
});

worker.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(staleCaches(names, manifest.version).map((name) => caches.delete(name)));
    // Pages opened before this worker existed use it from now on (their next reload is served
    // by it even with the server down).
    await worker.clients.claim();
  })());
});

worker.addEventListener("message", (event) => {
  const data = event.data as { type?: unknown } | null;
  if (data?.type === "skip-waiting") event.waitUntil(worker.skipWaiting());
  // A page asks which version this is: one already showing it need not reload for it.
  if (data?.type === "version") event.ports[0]?.postMessage({ version: manifest.version });
});

worker.addEventListener("fetch", (event) => {
  const { request } = event;
  const route = routeOf(
    {
      method: request.method,
      url: request.url,
      mode: request.mode,
      accept: request.headers.get("accept") ?? "",
    },
    worker.location.origin,
    manifest,
  );
  if (route === "shell") event.respondWith(shell(request));
  else if (route === "asset") event.respondWith(asset(request));
  // "network": not answered here, so the browser fetches it as if there were no worker.
});

/**
 * The page from the server while it answers, else the cached shell. A server error (a proxy
 * in front of a stopped dashboard answers 502) is no page either: the cached shell is better.
 */
async function shell(request: Request): Promise<Response> {
  const cached = () => caches.open(cache).then((opened) => opened.match(manifest.shell));
  let response: Response;
  try {
    response = await fetch(request, { signal: AbortSignal.timeout(SHELL_TIMEOUT_MS) });
  } catch (error) {
    const copy = await cached();
    if (copy) return copy;
    throw error;
  }
  if (response.status < 500) return response;
  return (await cached()) ?? response;
}

/** A file of this version from the cache, else from the server. */
async function asset(request: Request): Promise<Response> {
  const cached = await caches.open(cache).then((opened) => opened.match(request));
  return cached ?? fetch(request);
}
