import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  CONNECTION_MEMORY_KEY,
  readConnectionMemory,
  rememberConnection,
} from "./connection_memory.ts";
import { initialStatus, StatusStore } from "./status.ts";

class MemoryStorage {
  data = new Map<string, string>();
  writes = 0;
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.writes++;
    this.data.set(key, value);
  }
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("the last live and last event times are written when they change, and read back", async () => {
  const storage = new MemoryStorage();
  const status = new StatusStore(initialStatus(10));
  const flush = rememberConnection(status, storage, 30);
  status.update({ received: 1 });
  await tick(40);
  assertEquals(storage.writes, 0);
  // Ten changes in quick succession: one write now-ish, the last one written after.
  for (let i = 1; i <= 10; i++) status.update({ liveAt: 1_000 + i, lastEventAt: 2_000 + i });
  await tick(80);
  assertEquals(readConnectionMemory(storage), { liveAt: 1_010, lastEventAt: 2_010 });
  assertEquals(storage.writes <= 2, true, `${storage.writes} writes`);
  // The page goes away with a change not yet written: written at once.
  status.update({ liveAt: 5_000 });
  flush();
  assertEquals(readConnectionMemory(storage), { liveAt: 5_000, lastEventAt: 2_010 });
});

Deno.test("unreadable or nonsensical memory reads as none", () => {
  const storage = new MemoryStorage();
  assertEquals(readConnectionMemory(storage), {});
  assertEquals(readConnectionMemory(null), {});
  storage.setItem(CONNECTION_MEMORY_KEY, "{oops");
  assertEquals(readConnectionMemory(storage), {});
  storage.setItem(CONNECTION_MEMORY_KEY, JSON.stringify({ liveAt: "yesterday", lastEventAt: 7 }));
  assertEquals(readConnectionMemory(storage), { lastEventAt: 7 });
});
