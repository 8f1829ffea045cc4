import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { freePort } from "@sentiment/testkit";
import { type HttpServer, serveHttp, type WebHandler } from "./http_server.ts";

async function serve(handler: WebHandler): Promise<HttpServer & AsyncDisposable> {
  const server = await serveHttp(handler, {
    hostname: "127.0.0.1",
    port: await freePort(),
    onError: () => new Response("handler failed", { status: 500 }),
  });
  return Object.assign(server, { [Symbol.asyncDispose]: () => server.close(1_000) });
}

/** Sends raw bytes; returns the first chunk of the answer as text. */
async function raw(port: number, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(8192);
    const n = await conn.read(buffer);
    return n === null ? "" : new TextDecoder().decode(buffer.subarray(0, n));
  } finally {
    conn.close();
  }
}

Deno.test("the handler gets a web Request with the peer's address; bodies get a length", async () => {
  const seen: { method: string; path: string; header: string | null; address: string }[] = [];
  await using server = await serve((request, info) => {
    const url = new URL(request.url);
    seen.push({
      method: request.method,
      path: url.pathname + url.search,
      header: request.headers.get("x-test"),
      address: info.remoteAddress,
    });
    return Promise.resolve(Response.json({ ok: true }, { headers: { "x-answer": "1" } }));
  });
  const base = `http://127.0.0.1:${server.port}`;
  const response = await fetch(`${base}/a/b?c=%00`, { headers: { "x-test": "yes" } });
  assertEquals(response.status, 200);
  assertEquals(response.headers.get("content-length"), String('{"ok":true}'.length));
  assertEquals(response.headers.get("x-answer"), "1");
  assertEquals(await response.json(), { ok: true });
  const head = await fetch(`${base}/h`, { method: "HEAD" });
  assertEquals([head.status, await head.text()], [200, ""]);
  assertEquals(seen[0], { method: "GET", path: "/a/b?c=%00", header: "yes", address: "127.0.0.1" });
  assertEquals(seen[1].method, "HEAD");
  // Methods a web Request cannot carry get a 405 without reaching the handler.
  ok((await raw(server.port, "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 405"));
  assertEquals(seen.length, 2);
});

Deno.test("a streaming body that errors resets the connection, even to a client that never reads", async () => {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let pulled = 0;
  let signalAborted!: () => void;
  const aborted = new Promise<void>((resolve) => signalAborted = resolve);
  await using server = await serve((request) => {
    request.signal.addEventListener("abort", () => signalAborted());
    const chunk = new Uint8Array(64 * 1024).fill(120);
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      pull: (c) => {
        pulled += chunk.byteLength;
        c.enqueue(chunk);
      },
    }, { highWaterMark: 0 });
    return Promise.resolve(
      new Response(body, { headers: { "content-type": "text/event-stream" } }),
    );
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  // Wait until the socket takes nothing more: the server stops pulling.
  let last = -1;
  while (pulled !== last) {
    last = pulled;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  ok(pulled > 0 && pulled < 64 * 1024 * 1024, `pulled ${pulled} bytes, then backpressure held`);
  controller.error(new Error("overflow"));
  await aborted; // the handler learns the socket is gone
  let end = "open";
  const giveUp = setTimeout(() => conn.close(), 30_000);
  try {
    const buffer = new Uint8Array(1024 * 1024);
    while ((await conn.read(buffer)) !== null) { /* what the kernel had */ }
    end = "eof";
  } catch (error) {
    end = error instanceof Deno.errors.ConnectionReset ? "reset" : `error ${error}`;
  } finally {
    clearTimeout(giveUp);
  }
  assertEquals(end, "reset");
  try {
    conn.close();
  } catch { /* closed */ }
});

Deno.test("a client that leaves cancels the body, and the request's signal aborts", async () => {
  let cancelled!: () => void;
  const wasCancelled = new Promise<void>((resolve) => cancelled = resolve);
  let aborted = false;
  await using server = await serve((request) => {
    request.signal.addEventListener("abort", () => aborted = true);
    const body = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(new TextEncoder().encode(": hello\n\n")),
      cancel: () => cancelled(),
    });
    return Promise.resolve(
      new Response(body, { headers: { "content-type": "text/event-stream" } }),
    );
  });
  const response = await fetch(`http://127.0.0.1:${server.port}/`);
  const reader = response.body!.getReader();
  await reader.read();
  await reader.cancel();
  await wasCancelled;
  ok(aborted);
});
