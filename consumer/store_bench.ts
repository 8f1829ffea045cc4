/**
 * Insert speed of the consumer's store path (PostgresCommentStore.store, one statement per
 * batch of 3 000 as the consumer's BATCH_SIZE), 100 000 new rows into a private test database,
 * for UUID and platform-style ids, by one writer and by four at once (PIPELINE_CONCURRENCY).
 * Prints rows/s besides deno's table (the consumer's test set has no bench entry, hence flags):
 *
 *     deno bench --allow-net=127.0.0.1 --allow-env --allow-read consumer/store_bench.ts
 *
 * @module
 */
import { createTestDatabase, unavailableInfrastructure } from "@sentiment/testkit";
import { type NewComment, PostgresCommentStore } from "./store.ts";
import { textHash } from "./text_hash.ts";

const ROWS = 100_000;
const BATCH_SIZE = 3_000;

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** How each kind of id is made: random UUIDs, rising tweet ids, random YouTube-like ids. */
const ID_KINDS: Record<string, (n: number) => string> = {
  uuid: () => crypto.randomUUID(),
  tweet: (n) => String(1_864_123_456_789_012_345n + BigInt(n) * 4_096n),
  youtube: () =>
    "Ugz" + Array.from({ length: 23 }, () => BASE64URL[Math.floor(Math.random() * 64)]).join(""),
};

function batchesOf(kind: string): NewComment[][] {
  const id = ID_KINDS[kind];
  const start = Date.UTC(2026, 0, 1);
  const rows = Array.from({ length: ROWS }, (_, n): NewComment => {
    const text = `Honestly I love the new update number ${n}, really great!`;
    return {
      comment_id: id(n),
      text,
      text_hash: textHash(text),
      tag: "POSITIVE",
      source: ["twitter", "youtube", "reddit", "trustpilot"][n % 4],
      created_at: new Date(start + n * 1_000).toISOString(),
      consumer_id: "store-bench",
      retry_count: n % 50 === 0 ? 1 : 0,
      score: 0.5,
      language: "en",
      reasons: ["love", "great"],
    };
  });
  const batches: NewComment[][] = [];
  for (let i = 0; i < rows.length; i += BATCH_SIZE) batches.push(rows.slice(i, i + BATCH_SIZE));
  return batches;
}

const available = (await unavailableInfrastructure()).length === 0;
if (!available) console.error("store_bench: PostgreSQL unreachable; the benches are skipped");

for (const kind of Object.keys(ID_KINDS)) {
  for (const writers of [1, 4]) {
    Deno.bench({
      name: `store ${ROWS} rows, ${kind} ids, ${writers} writer${writers > 1 ? "s" : ""}`,
      ignore: !available,
      n: 1,
      warmup: 0,
      async fn(b) {
        await using db = await createTestDatabase();
        const store = new PostgresCommentStore(db.sql);
        const batches = batchesOf(kind);
        b.start();
        const started = performance.now();
        let next = 0;
        await Promise.all(Array.from({ length: writers }, async () => {
          while (next < batches.length) await store.store(batches[next++]);
        }));
        const seconds = (performance.now() - started) / 1000;
        b.end();
        const [{ count }] = await db.sql<{ count: string }[]>`SELECT count(*) FROM comments`;
        if (Number(count) !== ROWS) throw new Error(`stored ${count} rows, not ${ROWS}`);
        console.log(
          `store_bench ${kind} ids, ${writers} writer(s): ${Math.round(ROWS / seconds)} rows/s`,
        );
      },
    });
  }
}
