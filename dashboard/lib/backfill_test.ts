import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { backfill } from "./backfill.ts";
import { CommentStore, createCommentsCollection } from "./comments.ts";
import { initialStatus, StatusStore } from "./status.ts";
import { SharedFakeStorage } from "./test_fixtures.ts";
import { FakeApi, sampleComment } from "../testing/fake_api.ts";

async function setup(limit: number) {
  const collection = createCommentsCollection(new SharedFakeStorage().tab());
  await collection.preload();
  const store = new CommentStore(collection, { limit, persistDelayMs: 0 });
  const status = new StatusStore(initialStatus(limit));
  return { collection, store, status };
}

Deno.test({
  name: "a comment stored while the history loads does not push the oldest out of it",
  sanitizeResources: false,
  fn: async () => {
    const api = new FakeApi();
    await api.start();
    try {
      api.store(Array.from({ length: 5 }, (_, i) => sampleComment(i)));
      const { collection, store, status } = await setup(5_000);
      // The total is asked first; a sixth comment is stored right after it was answered.
      const fetchFn: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (String(input).endsWith("/statistics")) api.store([sampleComment(5)]);
        return response;
      };
      const ok = await backfill({
        store,
        status,
        fetch: fetchFn,
        apiBase: `${api.url}/api`,
        pageSize: 2,
      });
      assertEquals(ok, true);
      assertEquals([...collection.values()].map((c) => c.seq).sort((a, b) => a - b), [
        1,
        2,
        3,
        4,
        5,
        6,
      ]);
      assertEquals(status.get().backfill, { loaded: 6, target: 6, done: true });
    } finally {
      await api.stop();
    }
  },
});

Deno.test({
  name: "the history loads up to the bound, newest first, and reports a failing page",
  sanitizeResources: false,
  fn: async () => {
    const api = new FakeApi();
    await api.start();
    try {
      api.store(Array.from({ length: 9 }, (_, i) => sampleComment(i)));
      const { collection, store, status } = await setup(4);
      await backfill({ store, status, apiBase: `${api.url}/api`, pageSize: 3 });
      assertEquals([...collection.values()].map((c) => c.seq).sort((a, b) => a - b), [6, 7, 8, 9]);
      assertEquals(status.get().backfill, { loaded: 4, target: 4, done: true });
      api.requireToken("secret");
      const refused = await setup(4);
      assertEquals(
        await backfill({ store: refused.store, status: refused.status, apiBase: `${api.url}/api` }),
        false,
      );
      assertEquals(refused.status.get().backfill?.error, "/api/comments answered 401");
    } finally {
      await api.stop();
    }
  },
});
