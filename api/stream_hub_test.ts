import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { ProcessedComment } from "@sentiment/proto/messages";
import { commentFrame, SseConnection } from "./sse.ts";
import { type HistorySource, StreamHub, type StreamHubOptions } from "./stream_hub.ts";
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
  backfillPage: 7,
  heartbeatMs: 60_000,
  retryMs: 1000,
};

function hubWith(history = new FakeHistory(), overrides: Partial<StreamHubOptions> = {}) {
  const hub = new StreamHub(history, { ...options, ...overrides }, quietLog);
  return { hub, history };
}

Deno.test("a live client receives delivered comments once, in order, with id = seq", async () => {
  const { hub, history } = hubWith();
  const connection = hub.connect(null)!;
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
  const connection = new SseReader(hub.connect(5)!.stream);
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
  const connection = hub.connect(5)!;
  hub.deliver(history.store(4, 5, 6), 6);
  hub.deliver(history.store(7), 7);
  const events = await readEvents(connection.stream, 2);
  assertEquals(events.map((event) => event.id), [6, 7]);
  hub.close();
});

Deno.test("a client that never reads is closed at its buffer bound; memory stays bounded", async () => {
  const bufferBytes = 16 * 1024;
  const { hub, history } = hubWith(new FakeHistory(), { bufferBytes });
  const stuck = hub.connect(null)!;
  const reader = hub.connect(null)!;
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
  assertEquals(hub.stats().clients, 1, "the slow client is gone from the hub");
  assertEquals(hub.stats().closedForOverflow, 1);
  // The reading client is unaffected.
  assertEquals((await drained).length, 500);
  // The closed stream ends cleanly, so EventSource reconnects with its Last-Event-ID.
  const rest = await readEvents(stuck.stream, 1000);
  ok(rest.length < 500);
  hub.close();
});

Deno.test("the hub refuses clients beyond its limit and before the stream has started", () => {
  const history = new FakeHistory();
  history.watermark = -1;
  const { hub } = hubWith(history, { maxClients: 1 });
  assertEquals(hub.connect(null), null);
  history.watermark = 0;
  ok(hub.connect(null));
  assertEquals(hub.connect(null), null);
  hub.close();
});

Deno.test("heartbeats are sent to idle clients", async () => {
  const { hub } = hubWith(new FakeHistory(), { heartbeatMs: 20 });
  const connection = hub.connect(null)!;
  const reader = connection.stream.pipeThrough(textDecoding()).getReader();
  let text = "";
  while (!text.includes(": heartbeat")) text += (await reader.read()).value ?? "";
  ok(text.startsWith("retry: 1000\n"));
  await reader.cancel();
  assertEquals(hub.clientCount, 0, "a cancelled stream leaves the hub");
  hub.close();
});

Deno.test("an SseConnection lets one oversized event through alone", () => {
  const connection = new SseConnection({ bufferBytes: 4096 });
  ok(connection.push(new Uint8Array(10_000)));
  assertEquals(connection.push(new Uint8Array(1)), false);
  assertEquals(connection.closedReason, "overflow");
});
