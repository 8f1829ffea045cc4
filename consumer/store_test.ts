import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createTestDatabase, integrationTest } from "@sentiment/infra/testkit";
import { type NewComment, PostgresCommentStore } from "./store.ts";

const comment = (): NewComment => ({
  commentId: crypto.randomUUID(),
  text: "a comment",
  textHash: "a".repeat(64),
  tag: "POSITIVE",
  source: "twitter",
  createdAt: new Date().toISOString(),
  consumerId: "test",
  retryCount: 0,
  score: null,
  language: null,
  reasons: null,
});

integrationTest(
  "concurrent stores of the same ids in different orders each return every row; one inserts it",
  async () => {
    await using db = await createTestDatabase();
    const store = new PostgresCommentStore(db.sql);
    let inserted = 0;
    for (let round = 0; round < 10; round++) {
      const ids = Array.from({ length: 400 }, comment);
      const shuffled = [...ids].sort(() => Math.random() - 0.5);
      const results = await Promise.all([
        store.store(shuffled),
        store.store([...ids].reverse()),
        store.store(ids),
      ]);
      assertEquals(results.map((rows) => rows.length), [400, 400, 400]);
      inserted += results.flat().filter((row) => row.inserted).length;
    }
    assertEquals(inserted, 4000);
    const [{ count }] = await db.sql<{ count: number }[]>`SELECT count(*)::int AS count
                                                          FROM comments`;
    assertEquals(count, 4000);
  },
);

integrationTest("stored timestamps come back as toISOString writes them", async () => {
  await using db = await createTestDatabase();
  const store = new PostgresCommentStore(db.sql);
  const offset = { ...comment(), createdAt: "2026-01-01T02:00:00.5+02:00" };
  const [first] = await store.store([offset]);
  assertEquals(first.createdAt, "2026-01-01T00:00:00.500Z");
  assertEquals(new Date(first.processedAt).toISOString(), first.processedAt);
  const [again] = await store.store([offset]);
  assertEquals({ ...again, inserted: true }, first);
});

integrationTest("platform ids and the explanation are stored and come back as sent", async () => {
  await using db = await createTestDatabase();
  const store = new PostgresCommentStore(db.sql);
  const sent: NewComment[] = [
    { ...comment(), commentId: "1864123456789012345", score: -0.25, language: "en" },
    { ...comment(), commentId: "UgzDE2tasfmrYLyNkGt4AaABAg", reasons: ["not good", "never"] },
    { ...comment(), commentId: "ugzde2tasfmrylynkgt4aaabag", language: "und", reasons: [] },
    { ...comment(), commentId: "x".repeat(128), score: 1 },
  ];
  const first = await store.store(sent);
  assertEquals(first.map((row) => row.inserted), [true, true, true, true]);
  // A replay reads the rows back from PostgreSQL: the same ids (case kept) and explanations.
  const again = await store.store(sent);
  const shape = (rows: typeof first) =>
    rows.map(({ commentId, score, language, reasons }) => ({
      commentId,
      score,
      language,
      reasons,
    })).sort((a, b) => a.commentId < b.commentId ? -1 : 1);
  assertEquals(again.map((row) => row.inserted), [false, false, false, false]);
  assertEquals(shape(again), shape(first));
  assertEquals(
    shape(first),
    shape(sent.map((row) => ({ ...row, seq: 0, processedAt: "", inserted: true }))),
  );
});
