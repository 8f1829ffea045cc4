import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { createLogger } from "@sentiment/kit/log";
import { envFrom } from "@sentiment/kit/config";
import { createHandler, type HandlerOptions, STATIC_DIR } from "./server.tsx";
import { readConfig } from "./config.ts";
import { PAGE_CSP } from "./security.ts";
import type { ShellManifest } from "./sw/manifest.ts";

const logger = createLogger("dashboard", "error", () => {});
const BASE = "http://127.0.0.1:3000";

async function withUpstream(
  handler: (request: Request) => Response,
  fn: (url: string) => Promise<void>,
) {
  const { promise, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: (a) => resolve(a.port) },
    handler,
  );
  try {
    await fn(`http://127.0.0.1:${await promise}`);
  } finally {
    await server.shutdown();
  }
}

/**
 * A static folder with stand-ins for the two bundles (the real ones take a `deno bundle` each)
 * and the real styles and icon.
 */
async function fakeStaticDir(): Promise<{ path: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "dashboard-static-" });
  await Deno.mkdir(join(dir, "build"));
  await Deno.writeTextFile(join(dir, "build", "client.js"), "console.log('islands');\n");
  await Deno.writeTextFile(join(dir, "build", "sw.js"), "console.log('worker');\n");
  await Deno.copyFile(join(STATIC_DIR, "styles.css"), join(dir, "styles.css"));
  await Deno.copyFile(join(STATIC_DIR, "favicon.svg"), join(dir, "favicon.svg"));
  return { path: dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

function handler(staticDir: string, config: Partial<HandlerOptions["config"]> = {}) {
  return createHandler({
    config: { apiUrl: "http://127.0.0.1:1", apiToken: null, maxComments: 1234, ...config },
    logger,
    staticDir,
  });
}

/** The manifest at the top of `/sw.js`. */
function manifestOf(script: string): ShellManifest {
  const match = /^self\.DASHBOARD_SHELL = (.*);\n/.exec(script);
  ok(match, script.slice(0, 200));
  return JSON.parse(match[1]);
}

Deno.test("the page is rendered on the server with every island marked", async () => {
  await using dir = await fakeStaticDir();
  const handle = handler(dir.path);
  const response = await handle(new Request(`${BASE}/`));
  assertEquals(response.status, 200);
  const html = await response.text();
  ok(html.startsWith("<!DOCTYPE html>"));
  ok(html.includes('data-max-comments="1234"'));
  for (
    const island of [
      "StatusBar",
      "TagCards",
      "SourceShare",
      "SentimentChart",
      "ServerTotals",
      "LiveFeed",
      "Diagnostics",
    ]
  ) {
    ok(html.includes(`data-island="${island}"`), island);
  }
  const health = await handle(new Request(`${BASE}/healthz`));
  assertEquals((await health.json()).status, "ok");
  assertEquals((await handle(new Request(`${BASE}/../deno.json`))).status, 404);
  assertEquals(
    (await handle(new Request(`${BASE}/styles.css`))).headers.get("content-type"),
    "text/css; charset=utf-8",
  );
});

Deno.test("the page carries its security policy; every answer says nosniff", async () => {
  await using dir = await fakeStaticDir();
  const handle = handler(dir.path);
  const page = await handle(new Request(`${BASE}/`));
  await page.body?.cancel();
  const csp = page.headers.get("content-security-policy") ?? "";
  assertEquals(csp, PAGE_CSP);
  for (
    const directive of [
      "script-src 'self'",
      "worker-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "object-src 'none'",
      "base-uri 'none'",
    ]
  ) {
    ok(csp.split("; ").includes(directive), directive);
  }
  assertEquals(page.headers.get("x-frame-options"), "DENY");
  assertEquals(page.headers.get("referrer-policy"), "no-referrer");
  for (const path of ["/", "/styles.css", "/sw.js", "/healthz", "/metrics", "/missing"]) {
    const response = await handle(new Request(`${BASE}${path}`));
    await response.body?.cancel();
    assertEquals(response.headers.get("x-content-type-options"), "nosniff", path);
  }
});

Deno.test("paths that are not valid percent-encoding answer 400, not 500", async () => {
  await using dir = await fakeStaticDir();
  const handle = handler(dir.path);
  for (const path of ["/%E0%A4%A", "/%", "/build/%ff", "/api/%"]) {
    const response = await handle(new Request(`${BASE}${path}`));
    assertEquals(response.status, 400, path);
    ok((await response.text()).includes("percent-encoded"), path);
  }
  // Valid escapes still name files.
  assertEquals((await handle(new Request(`${BASE}/styles%2Ecss`))).status, 200);
});

Deno.test("requests naming a host the dashboard does not serve are refused (DNS rebinding)", async () => {
  await using dir = await fakeStaticDir();
  const handle = handler(dir.path, { host: "0.0.0.0", allowedHosts: ["dash.example.com"] });
  const status = async (host: string, path = "/") => {
    const headers: Record<string, string> = { host };
    const response = await handle(new Request(`${BASE}${path}`, { headers }));
    await response.body?.cancel();
    return response.status;
  };
  for (const host of ["127.0.0.1:3000", "localhost:3000", "LOCALHOST", "[::1]:3000"]) {
    assertEquals(await status(host), 200, host);
  }
  assertEquals(await status("dash.example.com"), 200);
  assertEquals(await status("dash.example.com:8443"), 200);
  // A page on attacker.example resolving to 127.0.0.1 sends its own name.
  assertEquals(await status("attacker.example:3000"), 421);
  assertEquals(await status("attacker.example", "/api/statistics"), 421);
  assertEquals(await status("127.0.0.1.attacker.example"), 421);
  assertEquals(await status("evil@127.0.0.1"), 421);
  assertEquals(await status(""), 421);
  // The listening address is served by name too.
  const listening = handler(dir.path, { host: "192.168.1.20" });
  const response = await listening(
    new Request(`${BASE}/healthz`, { headers: { host: "192.168.1.20:3000" } }),
  );
  assertEquals(response.status, 200);
});

Deno.test("/sw.js is the worker bundle after the manifest of the shell it caches", async () => {
  await using dir = await fakeStaticDir();
  const handle = handler(dir.path);
  const script = await (await handle(new Request(`${BASE}/sw.js`))).text();
  ok(script.endsWith("console.log('worker');\n"));
  const manifest = manifestOf(script);
  assertEquals(manifest.shell, "/");
  const html = await (await handle(new Request(`${BASE}/`))).text();
  ok(html.includes(`data-version="${manifest.version}"`));
  // Every asset the worker caches is one the page links, and the server serves it.
  for (const asset of manifest.assets) {
    const response = await handle(new Request(`${BASE}${asset}`));
    assertEquals(response.status, 200, asset);
    await response.body?.cancel();
    if (asset !== "/") ok(html.includes(`"${asset.replaceAll("&", "&amp;")}"`), asset);
  }
  ok(manifest.assets.some((asset) => asset.startsWith("/build/client.js?v=")));
});

Deno.test("a rebuilt bundle or another configuration is a new shell version", async () => {
  await using dir = await fakeStaticDir();
  const versionOf = async (config: Partial<HandlerOptions["config"]> = {}) =>
    manifestOf(await (await handler(dir.path, config)(new Request(`${BASE}/sw.js`))).text())
      .version;
  const first = await versionOf();
  assertEquals(await versionOf(), first);
  assertEquals((await versionOf({ maxComments: 99 })) === first, false);
  await Deno.writeTextFile(join(dir.path, "build", "client.js"), "console.log('islands v2');\n");
  const rebuilt = await versionOf();
  assertEquals(rebuilt === first, false);
  await Deno.writeTextFile(join(dir.path, "build", "sw.js"), "console.log('worker v2');\n");
  assertEquals((await versionOf()) === rebuilt, false);
});

Deno.test("without the bundles the page says so (503) and /healthz reports it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const handle = handler(dir);
    const page = await handle(new Request(`${BASE}/`));
    assertEquals(page.status, 503);
    ok((await page.text()).includes("build.ts"));
    const health = await (await handle(new Request(`${BASE}/healthz`))).json();
    assertEquals({ bundle: health.bundle, version: health.version }, {
      bundle: false,
      version: null,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("/api is proxied with the bearer token and Last-Event-ID; 502 when the api is down", async () => {
  const seen: { url: string; headers: Headers }[] = [];
  await withUpstream((request) => {
    seen.push({ url: request.url, headers: new Headers(request.headers) });
    return Response.json({ ok: true });
  }, async (apiUrl) => {
    const handle = createHandler({
      config: { apiUrl, apiToken: "s3cret", maxComments: 10 },
      logger,
    });
    const response = await handle(
      new Request(`${BASE}/api/comments?tag=POSITIVE&limit=5`, {
        headers: { "last-event-id": "7" },
      }),
    );
    assertEquals(await response.json(), { ok: true });
    const upstream = seen[0];
    assertEquals(
      new URL(upstream.url).pathname + new URL(upstream.url).search,
      "/api/comments?tag=POSITIVE&limit=5",
    );
    assertEquals(upstream.headers.get("authorization"), "Bearer s3cret");
    assertEquals(upstream.headers.get("last-event-id"), "7");
    assertEquals(
      (await handle(new Request(`${BASE}/api/comments`, { method: "POST" }))).status,
      405,
    );
  });
  const down = createHandler({
    config: { apiUrl: "http://127.0.0.1:1", apiToken: null, maxComments: 10 },
    logger,
  });
  const response = await down(new Request(`${BASE}/api/statistics`));
  assertEquals(response.status, 502);
  assertEquals((await response.json()).error, "the api is unreachable");
  assertEquals(response.headers.get("x-content-type-options"), "nosniff");
});

Deno.test("the proxy passes the api's status and security headers on", async () => {
  const apiHeaders = {
    "content-type": "application/json",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "www-authenticate": 'Bearer realm="api"',
  };
  await withUpstream(
    () =>
      new Response(JSON.stringify({ error: "unauthorized" }), { status: 401, headers: apiHeaders }),
    async (apiUrl) => {
      const handle = createHandler({ config: { apiUrl, apiToken: null, maxComments: 10 }, logger });
      const response = await handle(new Request(`${BASE}/api/statistics`));
      assertEquals(response.status, 401);
      assertEquals(await response.json(), { error: "unauthorized" });
      for (const [name, value] of Object.entries(apiHeaders)) {
        assertEquals(response.headers.get(name), value, name);
      }
    },
  );
});

Deno.test("configuration defaults and bad values", () => {
  const config = readConfig(envFrom({}));
  assertEquals(config, {
    host: "127.0.0.1",
    port: 3000,
    allowedHosts: [],
    apiUrl: "http://127.0.0.1:3001",
    apiToken: null,
    maxComments: 5_000,
    logLevel: "info",
  });
  assertEquals(
    readConfig(envFrom({ DASHBOARD_ALLOWED_HOSTS: "dash.example.com, ::1" })).allowedHosts,
    ["dash.example.com", "::1"],
  );
  for (
    const [name, value] of [
      ["DASHBOARD_PORT", "70000"],
      ["API_URL", "ftp://x"],
      ["DASHBOARD_MAX_COMMENTS", "0"],
      ["LOG_LEVEL", "loud"],
      ["DASHBOARD_ALLOWED_HOSTS", "dash.example.com/path"],
      ["DASHBOARD_ALLOWED_HOSTS", "0.0.0.0"],
    ]
  ) {
    let message = "";
    try {
      readConfig(envFrom({ [name]: value }));
    } catch (error) {
      message = (error as Error).message;
    }
    ok(message.startsWith(`${name}:`), `${name}=${value}: ${message}`);
  }
});
