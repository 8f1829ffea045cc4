/**
 * The page's side of the service worker (sw/main.ts): registers it, tells the status when a
 * new version has installed and waits, and switches to it on request (the "new version,
 * reload" prompt) by asking it to take over, then reloading once it has.
 *
 * A page loaded while the server answers is already the newest version (the worker fetches the
 * page from the network first); the worker of that version, installed meanwhile, takes over at
 * once then, with nothing to announce. The prompt is for a page that is older than the worker
 * waiting: one opened offline from the cache, say, whose server came back with a new version.
 *
 * @module
 */
import type { StatusStore } from "./status.ts";

/** What the page can do with its worker. */
export interface ShellUpdates {
  /** Asks the browser whether a new version exists (after being offline, say). */
  check(): void;
  /** Switches to the waiting version and reloads the page. */
  apply(): void;
}

const NONE: ShellUpdates = { check() {}, apply() {} };
let current: ShellUpdates = NONE;

/** The page's worker controls, once {@link registerShellWorker} ran (no-ops before, or without). */
export function shellUpdates(): ShellUpdates {
  return current;
}

/**
 * Registers `/sw.js`. Browsers without service workers, or pages outside a secure context
 * (plain http on another host than localhost), run as before, only without the offline shell.
 */
export function registerShellWorker(status: StatusStore): ShellUpdates {
  const container = typeof navigator !== "undefined" ? navigator.serviceWorker : undefined;
  if (!container) return NONE;
  let registration: ServiceWorkerRegistration | null = null;
  let reloading = false;
  const pageVersion = document.body.dataset.version ?? "";
  const ready = async (worker: ServiceWorker | null) => {
    // A first install has no page of an older version to replace: nothing to announce.
    if (!worker || !container.controller) return;
    if ((await versionOf(worker)) === pageVersion) worker.postMessage({ type: "skip-waiting" });
    else status.update({ updateReady: true });
  };
  container.addEventListener("controllerchange", () => {
    if (!reloading) return;
    reloading = false;
    location.reload();
  });
  container.register("/sw.js", { scope: "/", updateViaCache: "none" }).then((found) => {
    registration = found;
    void ready(found.waiting);
    found.addEventListener("updatefound", () => {
      const installing = found.installing;
      installing?.addEventListener("statechange", () => {
        if (installing.state === "installed") void ready(installing);
      });
    });
  }).catch((error) => console.warn("the offline shell could not be installed", error));
  current = {
    check() {
      void registration?.update().catch(() => undefined);
    },
    apply() {
      const waiting = registration?.waiting;
      if (!waiting) {
        location.reload();
        return;
      }
      reloading = true;
      waiting.postMessage({ type: "skip-waiting" });
    },
  };
  return current;
}

/** The version a worker caches (asked over a message channel); null if it does not say. */
function versionOf(worker: ServiceWorker, timeoutMs = 2_000): Promise<string | null> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), timeoutMs);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      const version = (event.data as { version?: unknown } | null)?.version;
      resolve(typeof version === "string" ? version : null);
    };
    worker.postMessage({ type: "version" }, [channel.port2]);
  });
}
