import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createTestDatabase, integrationTest } from "@sentiment/testkit";
import { type NewComment, PostgresCommentStore } from "./store.ts";

const comment = (): NewComment => ({
  comment_id: crypto.randomUUID(),
  text: "a comment",
  text_hash: "a".repeat(64),
  tag: "POSITIVE",
  source: "twitter",
  created_at: new Date().toISOString(),
  consumer_id: "test",
  retry_count: 0,
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
  const offset = { ...comment(), created_at: "2026-01-01T02:00:00.5+02:00" };
  const [first] = await store.store([offset]);
  assertEquals(first.created_at, "2026-01-01T00:00:00.500Z");
  assertEquals(new Date(first.processed_at).toISOString(), first.processed_at);
  const [again] = await store.store([offset]);
  assertEquals({ ...again, inserted: true }, first);
});

integrationTest("platform ids and the explanation are stored and come back as sent", async () => {
  await using db = await createTestDatabase();
  const store = new PostgresCommentStore(db.sql);
  const sent: NewComment[] = [
    { ...comment(), comment_id: "1864123456789012345", score: -0.25, language: "en" },
    { ...comment(), comment_id: "UgzDE2tasfmrYLyNkGt4AaABAg", reasons: ["not good", "never"] },
    { ...comment(), comment_id: "ugzde2tasfmrylynkgt4aaabag", language: "und", reasons: [] },
    { ...comment(), comment_id: "x".repeat(128), score: 1 },
  ];
  const first = await store.store(sent);
  assertEquals(first.map((row) => row.inserted), [true, true, true, true]);
  // A replay reads the rows back from PostgreSQL: the same ids (case kept) and explanations.
  const again = await store.store(sent);
  const shape = (rows: typeof first) =>
    rows.map(({ comment_id, score, language, reasons }) => ({
      comment_id,
      score,
      language,
      reasons,
    })).sort((a, b) => a.comment_id < b.comment_id ? -1 : 1);
  assertEquals(again.map((row) => row.inserted), [false, false, false, false]);
  assertEquals(shape(again), shape(first));
  assertEquals(
    shape(first),
    shape(sent.map((row) => ({ ...row, seq: 0, processed_at: "", inserted: true }))),
  );
});

integrationTest(
  "a batch of new and stored ids returns the stored rows as they were stored",
  async () => {
    await using db = await createTestDatabase();
    const store = new PostgresCommentStore(db.sql);
    const old = { ...comment(), text: "as first stored", reasons: ["first"] };
    const [first] = await store.store([old]);
    // A replay can carry what a later attempt made of the comment (another tag, score, consumer):
    // the row keeps what was stored first, and that is what is published again.
    const replay = { ...old, text: "changed", tag: "NEGATIVE" as const, consumer_id: "other" };
    const fresh = [comment(), comment()];
    const rows = await store.store([fresh[0], replay, fresh[1]]);
    const byId = new Map(rows.map((row) => [row.comment_id, row]));
    assertEquals(rows.length, 3);
    assertEquals(byId.get(old.comment_id), { ...first, inserted: false });
    for (const sent of fresh) {
      const row = byId.get(sent.comment_id);
      assertEquals(row?.inserted, true);
      assertEquals(row && { ...row, seq: 0, processed_at: "" }, {
        ...sent,
        seq: 0,
        processed_at: "",
        inserted: true,
      });
    }
    const seqs = rows.filter((row) => row.inserted).map((row) => row.seq);
    ok(seqs.every((seq) => seq > first.seq));
  },
);
