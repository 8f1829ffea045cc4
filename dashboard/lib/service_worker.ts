/**
 * The page's side of the service worker (sw/main.ts): registers it, tells the status when a
 * new version has installed and waits, and switches to it on request (the "new version,
 * reload" prompt) by asking it to take over, then reloading once it has.
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
  const ready = (worker: ServiceWorker | null) => {
    // A first install has no page of an older version to replace: nothing to announce.
    if (worker && container.controller) status.update({ updateReady: true });
  };
  container.addEventListener("controllerchange", () => {
    if (!reloading) return;
    reloading = false;
    location.reload();
  });
  container.register("/sw.js", { scope: "/", updateViaCache: "none" }).then((found) => {
    registration = found;
    ready(found.waiting);
    found.addEventListener("updatefound", () => {
      const installing = found.installing;
      installing?.addEventListener("statechange", () => {
        if (installing.state === "installed") ready(installing);
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
