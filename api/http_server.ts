/**
 * The api's HTTP server: node:http (as Deno implements it) driving a web-standard handler, so
 * handlers stay plain functions from Request to Response.
 *
 * Why not `Deno.serve`: it offers no way to close one connection. Erroring a response body
 * leaves the socket open until the kernel's send buffer drains, which for a client that stopped
 * reading is never: its buffers (about 4 MiB on loopback) and its stream slot stay taken. Here
 * the server owns each socket, and a body that errors (an SSE client closed for overflow or a
 * stall) resets the connection at once (RST: the kernel drops what it still holds).
 *
 * What the adapter promises:
 * - a streaming body (`text/event-stream`) is written with backpressure: the next chunk is read
 *   only once the socket has taken the previous one, so unsent bytes wait in the body's own
 *   (bounded) queue, where they are counted, not in the server;
 * - `request.signal` aborts when the connection closes, for whatever reason, so a handler knows
 *   when its client is really gone;
 * - any other body is sent whole, with a Content-Length.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** What the handler learns about the connection besides the request. */
export interface ClientInfo {
  /** The peer's IP address (IPv4-mapped IPv6 addresses as plain IPv4). */
  remoteAddress: string;
}

export type WebHandler = (request: Request, info: ClientInfo) => Promise<Response>;

export interface HttpServerOptions {
  hostname: string;
  port: number;
  /** Answers a handler that threw (it should not: the router catches). */
  onError: (error: unknown) => Response;
}

export interface HttpServer {
  hostname: string;
  port: number;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
  /**
   * Stops accepting connections; waits up to `graceMs` for open ones (streams should be ended
   * by then), then closes whatever is left.
   */
  close(graceMs: number): Promise<void>;
}

/** Methods `new Request` refuses; node:http would hand them on. */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/** Starts listening; rejects when the address cannot be bound (e.g. port in use). */
export async function serveHttp(
  handler: WebHandler,
  options: HttpServerOptions,
): Promise<HttpServer> {
  // A socket buffers one 64 KiB write (MAX_WRITE_BYTES in sse.ts) before it reports
  // backpressure, which the stream counts as that write in flight.
  const server = createServer(
    { noDelay: true, highWaterMark: 64 * 1024 },
    (incoming, outgoing) => void respond(handler, options, incoming, outgoing),
  );
  // Idle keep-alive connections are closed after 5 s (node's default); streams are not idle.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const finished = new Promise<void>((resolve) => server.once("close", () => resolve()));
  return {
    hostname: options.hostname,
    port,
    finished,
    async close(graceMs) {
      server.close();
      // Connections become idle as their last answer ends (streams end at shutdown): close
      // each as soon as it is, not only those idle right now.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        finished,
        new Promise((resolve) => timer = setTimeout(resolve, graceMs)),
      ]);
      clearTimeout(timer);
      clearInterval(sweep);
      server.closeAllConnections();
      await finished;
    },
  };
}

async function respond(
  handler: WebHandler,
  options: HttpServerOptions,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
): Promise<void> {
  // No route takes a body; read and drop one so the connection can serve the next request.
  incoming.resume();
  const closed = new AbortController();
  outgoing.once("close", () => closed.abort());
  const method = incoming.method ?? "GET";
  if (FORBIDDEN_METHODS.has(method)) {
    outgoing.writeHead(405, { "content-type": "application/json; charset=utf-8" });
    outgoing.end(JSON.stringify({ error: `method ${method} is not allowed here` }));
    return;
  }
  let request: Request;
  try {
    const headers = new Headers();
    const raw = incoming.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
    const base = `http://${
      options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname
    }`;
    request = new Request(new URL(incoming.url ?? "/", base), {
      method,
      headers,
      signal: closed.signal,
    });
  } catch {
    outgoing.writeHead(400, { "content-type": "application/json; charset=utf-8" });
    outgoing.end(JSON.stringify({ error: "malformed request" }));
    return;
  }
  let response: Response;
  try {
    response = await handler(request, { remoteAddress: peerAddress(incoming.socket) });
  } catch (error) {
    response = options.onError(error);
  }
  await send(response, method, outgoing);
}

async function send(response: Response, method: string, outgoing: ServerResponse): Promise<void> {
  if (outgoing.destroyed) {
    await response.body?.cancel().catch(() => {});
    return;
  }
  outgoing.statusCode = response.status;
  for (const [name, value] of response.headers) outgoing.setHeader(name, value);
  const body = response.body;
  if (body === null || method === "HEAD") {
    await body?.cancel().catch(() => {});
    outgoing.end();
    return;
  }
  const streaming = (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
  if (!streaming) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    outgoing.setHeader("content-length", String(bytes.byteLength));
    outgoing.end(bytes);
    return;
  }
  await stream(body, outgoing);
}

/** Writes a streaming body with backpressure; a body that errors resets the connection. */
async function stream(body: ReadableStream<Uint8Array>, outgoing: ServerResponse): Promise<void> {
  const reader = body.getReader();
  const gone = new Promise<void>((resolve) => outgoing.once("close", resolve));
  // The client left: cancel the body so its source frees what it holds.
  void gone.then(() => reader.cancel().catch(() => {}));
  outgoing.flushHeaders();
  try {
    while (!outgoing.destroyed) {
      const { value, done } = await reader.read();
      if (done) {
        outgoing.end();
        return;
      }
      if (outgoing.destroyed) return;
      if (!outgoing.write(value)) {
        // reader.closed rejects when the body errors while we wait for the socket.
        await Promise.race([
          new Promise((resolve) => outgoing.once("drain", resolve)),
          gone,
          reader.closed,
        ]);
      }
    }
  } catch {
    reset(outgoing);
  }
}

/** Closes the connection at once: RST, so the kernel drops the bytes it still holds. */
function reset(outgoing: ServerResponse): void {
  const socket = outgoing.socket as (Socket & { resetAndDestroy?: () => void }) | null;
  if (socket?.resetAndDestroy) socket.resetAndDestroy();
  else outgoing.destroy();
}

function peerAddress(socket: Socket | null): string {
  const address = socket?.remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
