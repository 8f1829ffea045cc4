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
 * The {@link Sequencer} delivers in seq order and promises that every row up to its watermark is
 * readable from PostgreSQL. The hub fans each delivery out in slices of at most 64 KiB, yielding
 * to the event loop between slices so that clients can drain; its own watermark H is the last
 * seq (or sequencer watermark) fully fanned out, so H never passes the sequencer's.
 * Each connection keeps a high-water mark `hwm` (the last seq it was given, or the id it resumed
 * from). While `hwm < H` the connection is *catching up*: when its stream wants data it reads the
 * next page `hwm < seq <= H` (H read before the query) and ignores live slices, which PostgreSQL
 * already holds. When, synchronously after a page, `hwm >= H` it turns *live*; from then on every
 * slice has `seq > H >= hwm`. Because the switch and the fan-out of a slice run on one thread
 * with no await in between, nothing falls between them.
 * Live deliveries are filtered by `seq > hwm` as well, which covers a client that resumed from an
 * id above W (e.g. one it got from another instance).
 *
 * A client whose Last-Event-ID cannot be resumed from (ahead of every stored seq, or not a seq;
 * decided in stream_handler.ts) starts after the newest seq with an `event: reset` first.
 *
 * ## Slow, stalled and greedy clients
 * A catching-up client reads the next page only when its buffer is empty, so it costs at most one
 * page (API_SSE_BACKFILL_PAGE rows). A live client that falls more than `bufferBytes` behind, or
 * whose queued bytes have not moved for `stallTimeoutMs` (its socket takes nothing: a reader
 * that stopped), is closed (see {@link SseConnection}); its socket is reset and it resumes by
 * Last-Event-ID without loss. A slot is held from connect until the socket is gone, closed or
 * not, so `maxClients` and `maxClientsPerAddress` count open sockets.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";
import type { ProcessedComment } from "@sentiment/contracts/messages";
import {
  type CloseReason,
  encodeComments,
  encodeCommentSlices,
  HEARTBEAT_FRAME,
  openingFrame,
  resetFrame,
  type ResetReason,
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
  /** Streams one client address may hold at once. */
  maxClientsPerAddress: number;
  /** A client whose queued bytes have not moved for this long is closed. */
  stallTimeoutMs: number;
  backfillPage: number;
  heartbeatMs: number;
  retryMs: number;
  /** Clock (tests). */
  now?: () => number;
  /** Called when a client's socket is gone (its objects are garbage now). */
  onRelease?: () => void;
}

/** What a new stream starts after, and whether it first tells the client its id was reset. */
export interface ConnectRequest {
  /** The last seq the client has (null: start at the newest). */
  after: number | null;
  /** The peer's address, for the per-address limit. */
  address: string;
  /** Sent first, as `event: reset` with the id the stream starts after. */
  reset?: { reason: ResetReason; lastEventId: number | string };
}

/** Why a stream was refused. */
export type ConnectRefusal =
  | { refused: "not_started" }
  | { refused: "full"; limit: number }
  | { refused: "address_full"; limit: number };

export type ConnectResult = { connection: SseConnection } | ConnectRefusal;

export interface StreamHubStats {
  clients: number;
  live: number;
  catchingUp: number;
  queuedBytes: number;
  maxQueuedBytes: number;
  /** The most bytes any client (also one closed since) ever had queued at once. */
  peakQueuedBytes: number;
  closedForOverflow: number;
  /** Clients closed because their queued bytes did not move for the stall timeout. */
  closedForStall: number;
  /** Streams refused: hub full, or the address at its limit. */
  refusedFull: number;
  refusedPerAddress: number;
  /** Addresses holding at least one stream. */
  addresses: number;
  eventsSent: number;
}

interface Client {
  id: number;
  address: string;
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
  #perAddress = new Map<string, number>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #now: () => number;
  #closedForOverflow = 0;
  #closedForStall = 0;
  #refusedFull = 0;
  #refusedPerAddress = 0;
  #peakQueuedBytes = 0;
  #eventsSent = 0;
  /** H: everything up to here has been fanned out; -1 until the first delivery. */
  #delivered = -1;
  #outbox: { comments: readonly ProcessedComment[]; watermark: number }[] = [];
  #pumping = false;

  constructor(source: HistorySource, options: StreamHubOptions, log: Logger) {
    this.#source = source;
    this.#options = options;
    this.#log = log;
    this.#now = options.now ?? Date.now;
    this.#heartbeat = setInterval(() => this.#beat(), options.heartbeatMs);
    // Often enough that a stalled client is closed within 1.25 × the timeout.
    const sweepMs = Math.max(5, Math.min(1_000, Math.floor(options.stallTimeoutMs / 4)));
    this.#sweep = setInterval(() => this.closeStalled(), sweepMs);
  }

  /** Streams whose socket is still open (closed ones count until it is gone). */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** H: every comment up to here has been fanned out (-1 before the stream has started). */
  get watermark(): number {
    return this.#watermark();
  }

  /**
   * Opens a stream for a client that has seen everything up to `after` (null: start now), or
   * says why not: the stream has not started, the hub is full, or the client's address holds
   * its limit of streams.
   */
  connect({ after, address, reset }: ConnectRequest): ConnectResult {
    const watermark = this.#watermark();
    if (watermark < 0) return { refused: "not_started" };
    if (this.#clients.size >= this.#options.maxClients) {
      this.#refusedFull++;
      return { refused: "full", limit: this.#options.maxClients };
    }
    const held = this.#perAddress.get(address) ?? 0;
    if (held >= this.#options.maxClientsPerAddress) {
      this.#refusedPerAddress++;
      return { refused: "address_full", limit: this.#options.maxClientsPerAddress };
    }
    const id = this.#nextId++;
    const hwm = after ?? watermark;
    const connection = new SseConnection({
      bufferBytes: this.#options.bufferBytes,
      onPull: () => this.#catchUp(client),
      onClose: (_, reason) => this.#closed(client, reason),
      onEnd: () => this.#ended(client),
      now: this.#now,
    });
    const client: Client = { id, address, connection, hwm, live: hwm >= watermark };
    this.#clients.set(id, client);
    this.#perAddress.set(address, held + 1);
    connection.push(openingFrame(this.#options.retryMs));
    if (reset) {
      connection.push(resetFrame({ ...reset, newestSeq: hwm }));
      this.#log.info("stream client's Last-Event-ID reset", {
        client: id,
        reason: reset.reason,
        lastEventId: reset.lastEventId,
        newestSeq: hwm,
      });
    }
    this.#log.debug("stream client connected", { client: id, after, live: client.live });
    return { connection };
  }

  /** Closes every client whose queued bytes have not moved for the stall timeout. */
  closeStalled(): void {
    const now = this.#now();
    for (const client of this.#clients.values()) {
      const connection = client.connection;
      if (!connection.isClosed && connection.stalledMs(now) >= this.#options.stallTimeoutMs) {
        connection.close("stalled");
      }
    }
  }

  /** The sequencer's delivery callback: comments in seq order, and its new watermark. */
  deliver(comments: readonly ProcessedComment[], watermark: number): void {
    if (this.#delivered < 0) {
      // Nothing lies between the previous watermark and the first comment of this batch.
      this.#delivered = comments.length > 0 ? comments[0].seq - 1 : watermark;
    }
    this.#outbox.push({ comments, watermark });
    if (!this.#pumping) {
      this.#pumping = true;
      void this.#pump();
    }
  }

  /** Resolves when every delivery so far has been fanned out (for tests and benchmarks). */
  async drained(): Promise<void> {
    while (this.#pumping) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  /** H, the hub's watermark. */
  #watermark(): number {
    return this.#delivered >= 0 ? this.#delivered : this.#source.watermark;
  }

  async #pump(): Promise<void> {
    const sliceBytes = Math.min(64 * 1024, Math.floor(this.#options.bufferBytes / 4));
    try {
      while (this.#outbox.length > 0) {
        const { comments, watermark } = this.#outbox.shift()!;
        const slices = encodeCommentSlices(comments, sliceBytes);
        for (const slice of slices) {
          this.#fanOut(slice.comments, slice.bytes);
          this.#delivered = slice.comments[slice.comments.length - 1].seq;
          if (slices.length > 1) await new Promise((resolve) => setTimeout(resolve, 0));
        }
        if (watermark > this.#delivered) this.#delivered = watermark;
      }
    } finally {
      // Synchronously at the end of the loop, so a delivery right after restarts the pump.
      this.#pumping = false;
    }
  }

  #fanOut(comments: readonly ProcessedComment[], bytes: Uint8Array): void {
    if (this.#clients.size === 0) return;
    const first = comments[0].seq;
    const last = comments[comments.length - 1].seq;
    for (const client of this.#clients.values()) {
      if (!client.live || client.hwm >= last || client.connection.isClosed) continue;
      let chunk = bytes;
      let count = comments.length;
      if (client.hwm >= first) {
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
      this.#notePeak(client.connection);
    }
    return {
      clients: this.#clients.size,
      live,
      catchingUp: this.#clients.size - live,
      queuedBytes,
      maxQueuedBytes,
      peakQueuedBytes: this.#peakQueuedBytes,
      closedForOverflow: this.#closedForOverflow,
      closedForStall: this.#closedForStall,
      refusedFull: this.#refusedFull,
      refusedPerAddress: this.#refusedPerAddress,
      addresses: this.#perAddress.size,
      eventsSent: this.#eventsSent,
    };
  }

  /** Ends every stream (shutdown); clients reconnect elsewhere or later with Last-Event-ID. */
  close(): void {
    clearInterval(this.#heartbeat);
    clearInterval(this.#sweep);
    this.#outbox = [];
    for (const client of [...this.#clients.values()]) client.connection.close("shutdown");
  }

  /** Reads the next page of missed comments when the client's buffer is empty. */
  async #catchUp(client: Client): Promise<boolean> {
    if (client.live) return false;
    const upTo = this.#watermark();
    if (client.hwm >= upTo) {
      client.live = true;
      return false;
    }
    const page = this.#options.backfillPage;
    const rows = await this.#source.rowsBetween(client.hwm, upTo, page);
    if (client.connection.isClosed) return false;
    if (rows.length > 0) {
      client.connection.push(encodeComments(rows), { unbounded: true });
      this.#eventsSent += rows.length;
    }
    client.hwm = rows.length === page ? rows[rows.length - 1].seq : upTo;
    // No await between this check and the switch: the next slice has seq > H.
    if (client.hwm >= this.#watermark()) {
      client.live = true;
      this.#log.debug("stream client caught up", { client: client.id, hwm: client.hwm });
    }
    return !client.live && rows.length === 0;
  }

  #notePeak(connection: SseConnection): void {
    if (connection.peakQueuedBytes > this.#peakQueuedBytes) {
      this.#peakQueuedBytes = connection.peakQueuedBytes;
    }
  }

  #closed(client: Client, reason: CloseReason): void {
    this.#notePeak(client.connection);
    if (reason === "overflow") {
      this.#closedForOverflow++;
      this.#log.info("stream client too slow; closed, it resumes by Last-Event-ID", {
        client: client.id,
        address: client.address,
        hwm: client.hwm,
        bufferBytes: this.#options.bufferBytes,
      });
    } else if (reason === "stalled") {
      this.#closedForStall++;
      this.#log.info("stream client stopped reading; closed, it resumes by Last-Event-ID", {
        client: client.id,
        address: client.address,
        hwm: client.hwm,
        stallTimeoutMs: this.#options.stallTimeoutMs,
      });
    } else if (reason === "error") {
      this.#log.warn("stream client closed after an error reading missed comments", {
        client: client.id,
      });
    } else {
      this.#log.debug("stream client disconnected", { client: client.id, reason });
    }
  }

  /** The socket is gone: only now is the slot free. */
  #ended(client: Client): void {
    if (!this.#clients.delete(client.id)) return;
    this.#options.onRelease?.();
    const held = (this.#perAddress.get(client.address) ?? 1) - 1;
    if (held > 0) this.#perAddress.set(client.address, held);
    else this.#perAddress.delete(client.address);
  }

  #beat(): void {
    for (const client of this.#clients.values()) {
      // A client with data queued is already being sent bytes; a heartbeat adds nothing.
      if (client.connection.queuedBytes === 0) client.connection.push(HEARTBEAT_FRAME);
    }
  }
}
