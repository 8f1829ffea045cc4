/**
 * Fans the sequenced comments out to every SSE client, and brings a resuming client up to date.
 *
 * ## Guarantee per connection
 * Every client receives comments in strictly increasing `seq`, each at most once, and with no
 * gap: if it received `seq` a and then b, it also received every comment with a < seq < b. A
 * client that connects with `Last-Event-ID: n` receives every comment with `seq > n`, first
 * from PostgreSQL, then live. A client without it starts at the current watermark.
 *
 * ## How the hand-over works
 * The {@link Sequencer} delivers in seq order and promises that every row up to its watermark W
 * is readable from PostgreSQL. Each connection keeps a high-water mark `hwm` (the last seq it
 * was given, or the id it resumed from). While `hwm < W` the connection is *catching up*: when
 * its stream wants data it reads the next page `hwm < seq <= W` (W read before the query) and
 * ignores live deliveries, which PostgreSQL already holds. When, synchronously after a page,
 * `hwm >= W` it turns *live*; from then on every delivery has `seq > W >= hwm`. Because the switch
 * and the deliveries run on one thread with no await in between, nothing falls between them.
 * Live deliveries are filtered by `seq > hwm` as well, which covers a client that resumed from an
 * id above W (e.g. one it got from another instance).
 *
 * ## Slow clients
 * A catching-up client reads the next page only when its buffer is empty, so it costs at most one
 * page. A live client that falls more than `bufferBytes` behind is closed (see {@link SseConnection}),
 * and it resumes by Last-Event-ID without loss.
 *
 * @module
 */
import type { Logger } from "@sentiment/proto/log";
import type { ProcessedComment } from "@sentiment/proto/messages";
import {
  type CloseReason,
  encodeComments,
  HEARTBEAT_FRAME,
  openingFrame,
  SseConnection,
} from "./sse.ts";

/** Where a catching-up client reads the comments it missed. */
export interface HistorySource {
  /** The sequencer's watermark W (-1 before it has started). */
  readonly watermark: number;
  /** Committed rows with `after < seq <= upTo`, ascending, at most `limit`. */
  rowsBetween(after: number, upTo: number, limit: number): Promise<ProcessedComment[]>;
}

export interface StreamHubOptions {
  bufferBytes: number;
  maxClients: number;
  backfillPage: number;
  heartbeatMs: number;
  retryMs: number;
}

export interface StreamHubStats {
  clients: number;
  live: number;
  catchingUp: number;
  queuedBytes: number;
  maxQueuedBytes: number;
  closedForOverflow: number;
  eventsSent: number;
}

interface Client {
  id: number;
  connection: SseConnection;
  hwm: number;
  live: boolean;
}

export class StreamHub {
  #source: HistorySource;
  #options: StreamHubOptions;
  #log: Logger;
  #clients = new Map<number, Client>();
  #nextId = 1;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closedForOverflow = 0;
  #eventsSent = 0;

  constructor(source: HistorySource, options: StreamHubOptions, log: Logger) {
    this.#source = source;
    this.#options = options;
    this.#log = log;
    this.#heartbeat = setInterval(() => this.#beat(), options.heartbeatMs);
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /**
   * Opens a stream for a client that has seen everything up to `lastEventId` (null: start now).
   * Returns null when the hub is full or has not started.
   */
  connect(lastEventId: number | null): SseConnection | null {
    const watermark = this.#source.watermark;
    if (watermark < 0 || this.#clients.size >= this.#options.maxClients) return null;
    const id = this.#nextId++;
    const hwm = lastEventId ?? watermark;
    const connection = new SseConnection({
      bufferBytes: this.#options.bufferBytes,
      onPull: () => this.#catchUp(client),
      onClose: (_, reason) => this.#closed(client, reason),
    });
    const client: Client = { id, connection, hwm, live: hwm >= watermark };
    this.#clients.set(id, client);
    connection.push(openingFrame(this.#options.retryMs));
    this.#log.debug("stream client connected", { client: id, lastEventId, live: client.live });
    return connection;
  }

  /** The sequencer's delivery callback: comments in seq order, and the new watermark. */
  deliver(comments: readonly ProcessedComment[], _watermark: number): void {
    if (comments.length === 0 || this.#clients.size === 0) return;
    const first = comments[0].seq;
    const last = comments[comments.length - 1].seq;
    let shared: Uint8Array | null = null;
    for (const client of this.#clients.values()) {
      if (!client.live) continue;
      if (client.hwm >= last) continue;
      let chunk: Uint8Array;
      let count = comments.length;
      if (client.hwm < first) {
        shared ??= encodeComments(comments);
        chunk = shared;
      } else {
        const newer = comments.filter((comment) => comment.seq > client.hwm);
        count = newer.length;
        chunk = encodeComments(newer);
      }
      client.hwm = last;
      if (client.connection.push(chunk)) this.#eventsSent += count;
    }
  }

  stats(): StreamHubStats {
    let live = 0;
    let queuedBytes = 0;
    let maxQueuedBytes = 0;
    for (const client of this.#clients.values()) {
      if (client.live) live++;
      queuedBytes += client.connection.queuedBytes;
      maxQueuedBytes = Math.max(maxQueuedBytes, client.connection.queuedBytes);
    }
    return {
      clients: this.#clients.size,
      live,
      catchingUp: this.#clients.size - live,
      queuedBytes,
      maxQueuedBytes,
      closedForOverflow: this.#closedForOverflow,
      eventsSent: this.#eventsSent,
    };
  }

  /** Ends every stream (shutdown); clients reconnect elsewhere or later with Last-Event-ID. */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const client of [...this.#clients.values()]) client.connection.close("shutdown");
  }

  /** Reads the next page of missed comments when the client's buffer is empty. */
  async #catchUp(client: Client): Promise<boolean> {
    if (client.live) return false;
    const upTo = this.#source.watermark;
    if (client.hwm >= upTo) {
      client.live = true;
      return false;
    }
    const page = this.#options.backfillPage;
    const rows = await this.#source.rowsBetween(client.hwm, upTo, page);
    if (client.connection.isClosed) return false;
    if (rows.length > 0) {
      client.connection.push(encodeComments(rows));
      this.#eventsSent += rows.length;
    }
    client.hwm = rows.length === page ? rows[rows.length - 1].seq : upTo;
    // No await between this check and the switch: the next delivery has seq > watermark.
    if (client.hwm >= this.#source.watermark) {
      client.live = true;
      this.#log.debug("stream client caught up", { client: client.id, hwm: client.hwm });
    }
    return !client.live && rows.length === 0;
  }

  #closed(client: Client, reason: CloseReason): void {
    this.#clients.delete(client.id);
    if (reason === "overflow") {
      this.#closedForOverflow++;
      this.#log.info("stream client too slow; closed, it resumes by Last-Event-ID", {
        client: client.id,
        hwm: client.hwm,
        bufferBytes: this.#options.bufferBytes,
      });
    } else if (reason === "error") {
      this.#log.warn("stream client closed after an error reading missed comments", {
        client: client.id,
      });
    } else {
      this.#log.debug("stream client disconnected", { client: client.id, reason });
    }
  }

  #beat(): void {
    for (const client of this.#clients.values()) {
      // A client with data queued is already receiving bytes; a heartbeat adds nothing.
      if (client.connection.queuedBytes === 0) client.connection.push(HEARTBEAT_FRAME);
    }
  }
}
