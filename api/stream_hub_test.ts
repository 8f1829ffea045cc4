import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import type { ProcessedComment } from "@sentiment/contracts/messages";
import { commentFrame, SseConnection, StreamAborted } from "./sse.ts";
import {
  type ConnectRequest,
  type HistorySource,
  StreamHub,
  type StreamHubOptions,
} from "./stream_hub.ts";
import { comment, quietLog, readEvents, SseReader, textDecoding } from "./test_fakes.ts";

/** A table plus a watermark, as the sequencer would present them. */
class FakeHistory implements HistorySource {
  watermark = 0;
  rows: ProcessedComment[] = [];
  onQuery: () => void = () => {};
  rowsBetween(after: number, upTo: number, limit: number) {
    this.onQuery();
    return Promise.resolve(
      this.rows.filter((row) => row.seq > after && row.seq <= upTo).slice(0, limit),
    );
  }
  /** Stores and "sequences" comments: returns them for hub.deliver. */
  store(...seqs: number[]): ProcessedComment[] {
    const added = seqs.map((seq) => comment(seq));
    this.rows.push(...added);
    this.watermark = Math.max(this.watermark, ...seqs);
    return added;
  }
}

const options: StreamHubOptions = {
  bufferBytes: 64 * 1024,
  maxClients: 10,
  maxClientsPerAddress: 10,
  stallTimeoutMs: 60_000,
  backfillPage: 7,
  heartbeatMs: 60_000,
  retryMs: 1000,
};

function hubWith(history = new FakeHistory(), overrides: Partial<StreamHubOptions> = {}) {
  const hub = new StreamHub(history, { ...options, ...overrides }, quietLog);
  return { hub, history };
}

/** Connects and expects a connection. */
function open(hub: StreamHub, request: Partial<ConnectRequest> = {}): SseConnection {
  const result = hub.connect({ after: null, address: "192.0.2.1", ...request });
  if (!("connection" in result)) throw new Error(`refused: ${result.refused}`);
  return result.connection;
}

Deno.test("a live client receives delivered comments once, in order, with id = seq", async () => {
  const { hub, history } = hubWith();
  const connection = open(hub);
  hub.deliver(history.store(1, 2), 2);
  hub.deliver(history.store(3), 3);
  const events = await readEvents(connection.stream, 3);
  assertEquals(events.map((event) => event.id), [1, 2, 3]);
  assertEquals(events[2].data, comment(3));
  hub.close();
});

Deno.test("resuming: missed comments from history in pages, then live, no gap, no double", async () => {
  const { hub, history } = hubWith();
  history.store(...Array.from({ length: 40 }, (_, i) => i + 1));
  // Live deliveries keep arriving while the client is still reading history pages.
  let next = 41;
  history.onQuery = () => {
    if (next <= 60) {
      const batch = history.store(next, next + 1);
      next += 2;
      hub.deliver(batch, history.watermark);
    }
  };
  const connection = new SseReader(open(hub, { after: 5 }).stream);
  const events = await connection.next(55);
  assertEquals(events.map((event) => event.id), Array.from({ length: 55 }, (_, i) => i + 6));
  assertEquals(hub.stats().live, 1);
  hub.deliver(history.store(100), 100);
  hub.deliver(history.store(101), 101);
  const after = await connection.next(2);
  assertEquals(after.map((event) => event.id), [100, 101]);
  hub.close();
});

Deno.test("a client that resumes from an id above the watermark gets only newer comments", async () => {
  const { hub, history } = hubWith();
  history.store(1, 2, 3);
  const connection = open(hub, { after: 5 });
  hub.deliver(history.store(4, 5, 6), 6);
  hub.deliver(history.store(7), 7);
  const events = await readEvents(connection.stream, 2);
  assertEquals(events.map((event) => event.id), [6, 7]);
  hub.close();
});

Deno.test("a client that never reads is closed at its buffer bound; memory stays bounded", async () => {
  const bufferBytes = 16 * 1024;
  const { hub, history } = hubWith(new FakeHistory(), { bufferBytes });
  const stuck = open(hub);
  const reader = open(hub);
  const drained = readEvents(reader.stream, 500);
  let maxQueued = 0;
  for (let seq = 1; seq <= 500; seq++) {
    hub.deliver(history.store(seq), seq);
    if (seq % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    maxQueued = Math.max(maxQueued, stuck.queuedBytes);
  }
  ok(maxQueued <= bufferBytes, `queued ${maxQueued} > ${bufferBytes}`);
  ok(maxQueued > bufferBytes - 2 * commentFrame(comment(1)).length, "the buffer was used");
  assertEquals(stuck.closedReason, "overflow");
  ok(stuck.peakQueuedBytes <= bufferBytes && hub.stats().peakQueuedBytes <= bufferBytes);
  assertEquals(stuck.queuedBytes, 0);
  assertEquals(hub.stats().closedForOverflow, 1);
  // The body fails, which makes the HTTP server reset the socket; EventSource reconnects with
  // its Last-Event-ID.
  await rejects(readEvents(stuck.stream, 1000), StreamAborted);
  assertEquals(hub.stats().clients, 2, "the slot is held while the socket is open");
  stuck.end();
  assertEquals(hub.stats().clients, 1, "and freed when it closes");
  // The reading client is unaffected.
  assertEquals((await drained).length, 500);
  hub.close();
});

Deno.test("the hub refuses clients beyond its limit and before the stream has started", () => {
  const history = new FakeHistory();
  history.watermark = -1;
  const { hub } = hubWith(history, { maxClients: 1 });
  const request = { after: null, address: "192.0.2.1" };
  assertEquals(hub.connect(request), { refused: "not_started" });
  history.watermark = 0;
  ok("connection" in hub.connect(request));
  assertEquals(hub.connect({ ...request, address: "192.0.2.2" }), { refused: "full", limit: 1 });
  assertEquals(hub.stats().refusedFull, 1);
  hub.close();
});

Deno.test("one address holds at most its limit; a slot comes back when its socket closes", () => {
  const { hub } = hubWith(new FakeHistory(), { maxClients: 10, maxClientsPerAddress: 3 });
  const mine = [open(hub, { address: "198.51.100.7" }), open(hub, { address: "198.51.100.7" })];
  mine.push(open(hub, { address: "198.51.100.7" }));
  assertEquals(hub.connect({ after: null, address: "198.51.100.7" }), {
    refused: "address_full",
    limit: 3,
  });
  ok("connection" in hub.connect({ after: null, address: "198.51.100.8" }), "others still fit");
  // Closed by the server (e.g. overflow) but the socket still open: still counted.
  mine[0].close("overflow");
  assertEquals(hub.connect({ after: null, address: "198.51.100.7" }), {
    refused: "address_full",
    limit: 3,
  });
  mine[0].end();
  ok("connection" in hub.connect({ after: null, address: "198.51.100.7" }));
  assertEquals([hub.stats().clients, hub.stats().addresses, hub.stats().refusedPerAddress], [
    4,
    2,
    2,
  ]);
  hub.close();
});

Deno.test("a client whose queued bytes do not move for the stall timeout is closed", async () => {
  let clock = 0;
  const { hub, history } = hubWith(new FakeHistory(), { stallTimeoutMs: 1_000, now: () => clock });
  const stuck = open(hub);
  const reading = open(hub);
  const reader = new SseReader(reading.stream);
  hub.deliver(history.store(1), 1);
  assertEquals((await reader.next(1)).map((event) => event.id), [1]);
  // The reading side asks for more at once, as the HTTP server does once a write is done.
  const more = reader.next(1);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(reading.queuedBytes, 0);
  // `stuck` is never read: its opening frame and comment wait.
  ok(stuck.queuedBytes > 0);
  clock = 999;
  hub.closeStalled();
  assertEquals(stuck.isClosed, false, "not before the timeout");
  clock = 1_000;
  hub.closeStalled();
  assertEquals(stuck.closedReason, "stalled");
  assertEquals(reading.isClosed, false, "a client with nothing waiting is never stalled");
  assertEquals(hub.stats().closedForStall, 1);
  await rejects(readEvents(stuck.stream, 1), StreamAborted);
  hub.deliver(history.store(2), 2);
  assertEquals((await more).map((event) => event.id), [2]);
  hub.close();
});

Deno.test("a stream that cannot resume starts with event: reset whose id is where it continues", async () => {
  const { hub, history } = hubWith();
  history.store(1, 2, 3);
  hub.deliver([], 3);
  const connection = open(hub, {
    after: 3,
    reset: { reason: "last_event_id_ahead", lastEventId: 90 },
  });
  hub.deliver(history.store(4), 4);
  const reader = connection.stream.pipeThrough(textDecoding()).getReader();
  let text = "";
  while (!text.includes("id: 4\n")) text += (await reader.read()).value ?? "";
  const frames = text.split("\n\n");
  assertEquals(
    frames[1],
    [
      "event: reset",
      "id: 3",
      'data: {"reason":"last_event_id_ahead","lastEventId":90,"newestSeq":3}',
    ].join("\n"),
  );
  ok(frames[2].startsWith("event: comment\nid: 4\n"), "then the comments after it");
  await reader.cancel();
  hub.close();
});

Deno.test("heartbeats are sent to idle clients", async () => {
  const { hub } = hubWith(new FakeHistory(), { heartbeatMs: 20 });
  const connection = open(hub);
  const reader = connection.stream.pipeThrough(textDecoding()).getReader();
  let text = "";
  while (!text.includes(": heartbeat")) text += (await reader.read()).value ?? "";
  ok(text.startsWith("retry: 1000\n"));
  await reader.cancel();
  assertEquals(hub.clientCount, 0, "a cancelled stream (its socket closed) leaves the hub");
  hub.close();
});

Deno.test("an SseConnection lets one oversized event through alone", () => {
  const connection = new SseConnection({ bufferBytes: 4096 });
  ok(connection.push(new Uint8Array(10_000)));
  assertEquals(connection.push(new Uint8Array(1)), false);
  assertEquals(connection.closedReason, "overflow");
});
