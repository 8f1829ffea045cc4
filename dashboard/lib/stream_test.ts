import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { CommentStore, createCommentsCollection } from "./comments.ts";
import { initialStatus, StatusStore } from "./status.ts";
import { type EventSourceLike, LiveStream, type StreamReset } from "./stream.ts";
import type { ProbeResult } from "./probe.ts";
import { fakeComment, SharedFakeStorage } from "./test_fixtures.ts";

class FakeEventSource implements EventSourceLike {
  readyState = 0;
  listeners = new Map<string, ((event: MessageEvent) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (event: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.readyState = 2;
  }
  emit(type: string, data?: string) {
    for (const listener of this.listeners.get(type) ?? []) {
      listener(new MessageEvent(type, { data }));
    }
  }
}

async function setup(probeResults: ProbeResult[] = []) {
  const collection = createCommentsCollection(new SharedFakeStorage().tab());
  await collection.preload();
  const store = new CommentStore(collection, { persistDelayMs: 0 });
  const status = new StatusStore(initialStatus(5_000));
  const sources: FakeEventSource[] = [];
  const resets: { reset: StreamReset; cleared: number }[] = [];
  let now = 1_000_000;
  const clock = { advance: (ms: number) => now += ms, now: () => now };
  const stream = new LiveStream({
    store,
    status,
    flushMs: 5,
    backoffMs: [30, 40],
    refusedRetryMs: 50,
    now: clock.now,
    probe: () => Promise.resolve(probeResults.shift() ?? { kind: "answering" }),
    onReset: (reset, cleared) => resets.push({ reset, cleared }),
    createEventSource: (url) => {
      const source = new FakeEventSource(url);
      sources.push(source);
      return source;
    },
  });
  return { collection, store, status, sources, stream, resets, clock };
}

const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
/** Lets the probe's answer (a resolved promise) be handled, before any retry is due. */
const probed = () => new Promise((resolve) => setTimeout(resolve, 0));
/** Waits for a retry to be due (the longest delay in setup is 50 ms). */
const retried = () => tick(70);

/** The connection fields of the status. */
function connection(status: StatusStore) {
  const { connection, cause, httpStatus, downSince, reconnectAt } = status.get();
  return { connection, cause, httpStatus, downSince, reconnectAt };
}

Deno.test("events are stored in batches; invalid ones and repeats are only counted", async () => {
  const { collection, status, sources, stream, clock } = await setup();
  stream.start();
  assertEquals(sources[0].url, "/api/stream");
  sources[0].emit("open");
  assertEquals(status.get().connection, "live");
  assertEquals(status.get().liveAt, clock.now());
  sources[0].emit("comment", JSON.stringify(fakeComment(1)));
  sources[0].emit("comment", JSON.stringify(fakeComment(1)));
  sources[0].emit("comment", "{oops");
  sources[0].emit("comment", JSON.stringify(fakeComment(2)));
  await tick();
  assertEquals(collection.size, 2);
  const { received, invalid, duplicates, lastEventAt } = status.get();
  assertEquals({ received, invalid, duplicates }, { received: 4, invalid: 1, duplicates: 1 });
  assertEquals(lastEventAt, clock.now());
  stream.stop();
});

Deno.test("after a failure it reopens from the highest stored seq, saying when", async () => {
  const { store, status, sources, stream, clock } = await setup();
  store.ingest([fakeComment(41), fakeComment(42)]);
  stream.start();
  assertEquals(sources[0].url, "/api/stream?lastEventId=42");
  sources[0].emit("open");
  const lostAt = clock.advance(5_000);
  sources[0].emit("error");
  // The EventSource is closed at once: the stream retries on its own schedule.
  assertEquals(sources[0].readyState, 2);
  assertEquals(connection(status).connection, "reconnecting");
  await probed();
  assertEquals(connection(status), {
    connection: "reconnecting",
    cause: "unknown",
    httpStatus: undefined,
    downSince: lostAt,
    reconnectAt: lostAt + 30,
  });
  await retried();
  assertEquals(sources.length, 2);
  assertEquals(sources[1].url, "/api/stream?lastEventId=42");
  assertEquals(status.get().reconnectAt, undefined);
  sources[1].emit("error");
  await retried();
  sources[2].emit("error");
  // Three failures in a row: offline (showing what is stored), since the first one.
  assertEquals(connection(status).connection, "offline");
  assertEquals(connection(status).downSince, lostAt);
  await retried();
  sources[3].emit("open");
  assertEquals(connection(status), {
    connection: "live",
    cause: undefined,
    httpStatus: undefined,
    downSince: undefined,
    reconnectAt: undefined,
  });
  stream.stop();
});

Deno.test("a refused token and an unreachable api or server are told apart", async () => {
  const { status, sources, stream, clock } = await setup([
    { kind: "refused", status: 401 },
    { kind: "down", cause: "api", status: 502 },
    { kind: "down", cause: "server" },
  ]);
  stream.start();
  sources[0].emit("open");
  sources[0].emit("error");
  await probed();
  // Retried no sooner than refusedRetryMs.
  assertEquals(connection(status).connection, "refused");
  assertEquals(connection(status).httpStatus, 401);
  assertEquals(connection(status).reconnectAt, clock.now() + 50);
  await retried();
  sources[1].emit("error");
  await probed();
  assertEquals(
    [connection(status).connection, connection(status).cause, connection(status).httpStatus],
    ["reconnecting", "api", 502],
  );
  await retried();
  sources[2].emit("error");
  await probed();
  // The third failure in a row: offline, and this time the server itself is out of reach.
  assertEquals(
    [connection(status).connection, connection(status).cause, connection(status).httpStatus],
    ["offline", "server", undefined],
  );
  stream.stop();
});

Deno.test("a page that never connected says offline at the first failure, since it was last live", async () => {
  const { status, sources, stream } = await setup([{ kind: "down", cause: "server" }]);
  // What an earlier visit left: the stream was live at 12:00.
  status.update({ liveAt: 42_000 });
  stream.start();
  sources[0].emit("error");
  assertEquals(connection(status).connection, "offline");
  assertEquals(connection(status).downSince, 42_000);
  await probed();
  assertEquals(connection(status).cause, "server");
  stream.stop();
});

Deno.test("a probe that answers after stop() changes nothing", async () => {
  let answer!: (result: ProbeResult) => void;
  const collection = createCommentsCollection(new SharedFakeStorage().tab());
  await collection.preload();
  const status = new StatusStore(initialStatus(10));
  const sources: FakeEventSource[] = [];
  const stream = new LiveStream({
    store: new CommentStore(collection),
    status,
    probe: () => new Promise((resolve) => answer = resolve),
    createEventSource: (url) => {
      sources.push(new FakeEventSource(url));
      return sources.at(-1)!;
    },
  });
  stream.start();
  sources[0].emit("error");
  stream.stop();
  answer({ kind: "refused", status: 401 });
  await tick();
  assertEquals(status.get().connection, "offline");
  assertEquals(sources.length, 1);
});

Deno.test("a reset clears what is stored, says so, and resumes from the server's newest", async () => {
  const { store, collection, status, sources, stream, resets } = await setup();
  store.ingest([fakeComment(299), fakeComment(300)]);
  stream.start();
  assertEquals(sources[0].url, "/api/stream?lastEventId=300");
  sources[0].emit("open");
  sources[0].emit(
    "reset",
    JSON.stringify({ reason: "last_event_id_ahead", lastEventId: 300, newestSeq: 5 }),
  );
  sources[0].emit("comment", JSON.stringify(fakeComment(6)));
  await tick();
  assertEquals([...collection.values()].map((c) => c.seq), [6]);
  assertEquals(
    status.get().notice?.text,
    "the server's history was reset; cleared 2 stored comments",
  );
  assertEquals(resets, [{
    reset: { reason: "last_event_id_ahead", lastEventId: 300, newestSeq: 5 },
    cleared: 2,
  }]);
  await store.whenPersisted();
  // Reconnecting before anything new arrived resumes from the reset's newest, not from 0.
  store.clear();
  stream.reconnectNow();
  assertEquals(sources.at(-1)!.url, "/api/stream?lastEventId=5");
  stream.stop();
});

Deno.test("an invalid stored id is a reset too; an unreadable reset clears nothing", async () => {
  const { store, collection, status, sources, stream } = await setup();
  store.ingest([fakeComment(7)]);
  stream.start();
  sources[0].emit("reset", "{not json");
  assertEquals(collection.size, 1);
  assertEquals(status.get().problem, "the api sent a stream reset that could not be read");
  sources[0].emit(
    "reset",
    JSON.stringify({ reason: "last_event_id_invalid", lastEventId: "abc", newestSeq: 9 }),
  );
  assertEquals(collection.size, 0);
  assertEquals(
    status.get().notice?.text,
    "the server could not resume from the position stored here; cleared 1 stored comments",
  );
  stream.stop();
});

Deno.test("with the browser offline, no answer is the browser's network, not the server", async () => {
  const collection = createCommentsCollection(new SharedFakeStorage().tab());
  await collection.preload();
  const status = new StatusStore(initialStatus(10));
  const sources: FakeEventSource[] = [];
  const stream = new LiveStream({
    store: new CommentStore(collection),
    status,
    isOnline: () => false,
    probe: () => Promise.resolve({ kind: "down", cause: "server" }),
    createEventSource: (url) => {
      sources.push(new FakeEventSource(url));
      return sources.at(-1)!;
    },
  });
  stream.start();
  sources[0].emit("error");
  await probed();
  assertEquals([status.get().connection, status.get().cause], ["offline", "network"]);
  stream.markOffline();
  assertEquals(status.get().cause, "network");
  stream.stop();
});
