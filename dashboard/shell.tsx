/**
 * The page shell the service worker keeps for offline use: the HTML (rendered once, since it
 * depends only on the configuration), the island bundle, the styles and the icon, under one
 * version, the content hash of all of them. A rebuild or a new configuration is a new version;
 * the worker script carries it, so the browser sees a changed worker and installs the update.
 *
 * @module
 */
import { join } from "node:path";
import { renderDocument } from "./render.tsx";
import Home from "./routes/index.tsx";
import type { ShellManifest } from "./sw/manifest.ts";

/** The folder served at `/`; the bundles are built into its `build/` folder. */
export const STATIC_DIR = join(import.meta.dirname!, "static");
/** The bundle's path inside the static folder. */
export const BUNDLE_PATH = "build/client.js";
/** The service worker bundle's path inside the static folder (served at `/sw.js`). */
export const SW_BUNDLE_PATH = "build/sw.js";
const STYLES_PATH = "styles.css";
const ICON_PATH = "favicon.svg";

/** Everything the server answers for `/` and `/sw.js`. */
export interface Shell {
  version: string;
  html: string;
  /** The worker script: the manifest, then the worker bundle. */
  serviceWorker: string;
  manifest: ShellManifest;
}

/** Page settings that end up in the shell. */
export interface ShellConfig {
  maxComments: number;
}

/** Reads the built assets and renders the shell; throws when a built file is missing. */
export async function buildShell(staticDir: string, config: ShellConfig): Promise<Shell> {
  const [bundle, worker, styles, icon] = await Promise.all(
    [BUNDLE_PATH, SW_BUNDLE_PATH, STYLES_PATH, ICON_PATH].map((path) =>
      Deno.readFile(join(staticDir, path))
    ),
  );
  const script = `/${BUNDLE_PATH}?v=${await contentHash(bundle)}`;
  const stylesheet = `/${STYLES_PATH}?v=${await contentHash(styles)}`;
  const render = (version: string) =>
    renderDocument(
      "Comment sentiment dashboard",
      { script, styles: stylesheet, icon: `/${ICON_PATH}` },
      { "max-comments": String(config.maxComments), version },
      <Home maxComments={config.maxComments} />,
    );
  const version = await contentHash(
    new TextEncoder().encode(render("")),
    worker,
    icon,
  );
  const manifest: ShellManifest = {
    version,
    shell: "/",
    assets: ["/", script, stylesheet, `/${ICON_PATH}`],
  };
  return {
    version,
    html: render(version),
    serviceWorker: `self.DASHBOARD_SHELL = ${JSON.stringify(manifest)};\n${
      new TextDecoder().decode(worker)
    }`,
    manifest,
  };
}

/** The first 12 hex digits of the SHA-256 of the parts, in order. */
export async function contentHash(...parts: Uint8Array[]): Promise<string> {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
  return [...digest.slice(0, 6)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
