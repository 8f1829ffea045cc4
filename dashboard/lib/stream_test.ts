import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { CommentStore, createCommentsCollection } from "./comments.ts";
import { initialStatus, StatusStore } from "./status.ts";
import { type EventSourceLike, LiveStream } from "./stream.ts";
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

async function setup() {
  const collection = createCommentsCollection(new SharedFakeStorage().tab());
  await collection.preload();
  const store = new CommentStore(collection, { persistDelayMs: 0 });
  const status = new StatusStore(initialStatus(5_000));
  const sources: FakeEventSource[] = [];
  const stream = new LiveStream({
    store,
    status,
    flushMs: 5,
    backoffMs: [1],
    createEventSource: (url) => {
      const source = new FakeEventSource(url);
      sources.push(source);
      return source;
    },
  });
  return { collection, store, status, sources, stream };
}

const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("events are stored in batches; invalid ones and repeats are only counted", async () => {
  const { collection, status, sources, stream } = await setup();
  stream.start();
  assertEquals(sources[0].url, "/api/stream");
  sources[0].emit("open");
  assertEquals(status.get().connection, "live");
  sources[0].emit("comment", JSON.stringify(fakeComment(1)));
  sources[0].emit("comment", JSON.stringify(fakeComment(1)));
  sources[0].emit("comment", "{oops");
  sources[0].emit("comment", JSON.stringify(fakeComment(2)));
  await tick();
  assertEquals(collection.size, 2);
  const { received, invalid, duplicates } = status.get();
  assertEquals({ received, invalid, duplicates }, { received: 4, invalid: 1, duplicates: 1 });
  stream.stop();
});

Deno.test("after the stream gives up it reopens from the highest stored seq", async () => {
  const { store, status, sources, stream } = await setup();
  store.ingest([fakeComment(41), fakeComment(42)]);
  stream.start();
  assertEquals(sources[0].url, "/api/stream?lastEventId=42");
  sources[0].emit("open");
  // The browser retries by itself (still CONNECTING): reconnecting, no new EventSource.
  sources[0].emit("error");
  assertEquals(status.get().connection, "reconnecting");
  assertEquals(sources.length, 1);
  // The proxy answered 502: the EventSource is CLOSED and the stream retries itself.
  sources[0].readyState = 2;
  sources[0].emit("error");
  await tick();
  assertEquals(sources.length, 2);
  assertEquals(sources[1].url, "/api/stream?lastEventId=42");
  sources[1].readyState = 2;
  sources[1].emit("error");
  await tick();
  sources[2].readyState = 2;
  sources[2].emit("error");
  // Three failures in a row: offline (showing what is stored).
  assertEquals(status.get().connection, "offline");
  await tick();
  sources[3].emit("open");
  assertEquals(status.get().connection, "live");
  stream.stop();
});

Deno.test("a page that never connected says offline at the first failure", async () => {
  const { status, sources, stream } = await setup();
  stream.start();
  sources[0].readyState = 2;
  sources[0].emit("error");
  assertEquals(status.get().connection, "offline");
  stream.stop();
});
