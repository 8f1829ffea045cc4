import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { createLogger } from "@sentiment/kit/log";
import {
  ProcessedCommentSchema,
  type RawComment,
  rawCommentSchema,
  SCHEMA_VERSION,
  type Tag,
} from "@sentiment/contracts/messages";
import type { DedupStore, IdState } from "./dedup.ts";
import { AbandonedError, InfraGuard } from "./infra_guard.ts";
import { Pipeline, unstorable } from "./pipeline.ts";
import type { DeadLetterMessage, Publisher, PublishRefusals } from "./publisher.ts";
import {
  type SentimentAnswer,
  SentimentCallError,
  type SentimentGateway,
  type SentimentOutcome,
  type SentimentRequestItem,
} from "./sentiment_client.ts";
import { Stats } from "./stats.ts";
import type { CommentStore, CounterDelta, NewComment, StoredComment } from "./store.ts";
import { TagCache } from "./tag_cache.ts";
import { newWorkItem, type WorkItem } from "./work_item.ts";
import type { ProcessedComment } from "@sentiment/contracts/messages";

const quiet = createLogger("test", "error", () => {});

class FakeDedup implements DedupStore {
  processed = new Set<string>();
  attempts = new Map<string, number>();
  lookup(ids: readonly string[]): Promise<IdState[]> {
    return Promise.resolve(
      ids.map((id) => ({
        processed: this.processed.has(id),
        failures: this.attempts.get(id) ?? 0,
      })),
    );
  }
  recordFailures(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.attempts.set(id, (this.attempts.get(id) ?? 0) + 1);
    return Promise.resolve();
  }
  settle(processed: readonly string[], forget: readonly string[]): Promise<void> {
    for (const id of processed) this.processed.add(id);
    for (const id of forget) this.attempts.delete(id);
    return Promise.resolve();
  }
}

/** Tags by the first word; fails ids listed in `failures` that many times first. */
class FakeSentiment implements SentimentGateway {
  calls: SentimentRequestItem[][] = [];
  failures = new Map<string, number>();
  invalid = new Set<string>();
  callFails = 0;
  analyze(items: readonly SentimentRequestItem[]): Promise<SentimentOutcome[]> {
    this.calls.push([...items]);
    if (this.callFails > 0) {
      this.callFails--;
      return Promise.reject(new SentimentCallError(14, "connection refused"));
    }
    return Promise.resolve(items.map((item): SentimentOutcome => {
      if (this.invalid.has(item.commentId)) return { ok: false, code: 3, message: "bad text" };
      const left = this.failures.get(item.commentId) ?? 0;
      if (left > 0) {
        this.failures.set(item.commentId, left - 1);
        return { ok: false, code: 14, message: "injected" };
      }
      return { ok: true, answer: answerOf(item.text) };
    }));
  }
  waitForReady(): Promise<boolean> {
    return Promise.resolve(true);
  }
  close(): void {}
}

function tagOf(text: string): Tag {
  return text.startsWith("love") ? "POSITIVE" : text.startsWith("hate") ? "NEGATIVE" : "NEUTRAL";
}

/** An explained answer, except for texts starting "old" (as an older sentiment service). */
function answerOf(text: string): SentimentAnswer {
  const tag = tagOf(text);
  if (text.startsWith("old")) return { tag, score: null, language: null, reasons: null };
  const score = tag === "POSITIVE" ? 0.75 : tag === "NEGATIVE" ? -0.75 : 0;
  return { tag, score, language: "en", reasons: tag === "NEUTRAL" ? [] : [text.split(" ")[0]] };
}

class FakeStore implements CommentStore {
  rows = new Map<string, StoredComment>();
  counters: CounterDelta = { duplicatesDiscarded: 0, deadLettered: 0, retryAttempts: 0 };
  failNext = 0;
  store(comments: readonly NewComment[]): Promise<StoredComment[]> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error("connection refused"));
    }
    return Promise.resolve(comments.map((comment) => {
      const existing = this.rows.get(comment.comment_id);
      if (existing) return { ...existing, inserted: false };
      const row: StoredComment = {
        ...comment,
        seq: this.rows.size + 1,
        processed_at: new Date(0).toISOString(),
        inserted: true,
      };
      this.rows.set(comment.comment_id, row);
      return row;
    }));
  }
  find(commentIds: readonly string[]): Promise<StoredComment[]> {
    return Promise.resolve(
      commentIds.flatMap((id) => {
        const row = this.rows.get(id);
        return row ? [{ ...row, inserted: false }] : [];
      }),
    );
  }
  addCounters(delta: CounterDelta): Promise<void> {
    this.counters.duplicatesDiscarded += delta.duplicatesDiscarded;
    this.counters.deadLettered += delta.deadLettered;
    this.counters.retryAttempts += delta.retryAttempts;
    return Promise.resolve();
  }
  compactions = 0;
  compactCounters(): Promise<boolean> {
    this.compactions++;
    return Promise.resolve(true);
  }
}

/** Takes everything, except messages larger than `maxBytes`, which it refuses as Kafka would. */
class FakePublisher implements Publisher {
  processed: ProcessedComment[] = [];
  deadLetters: DeadLetterMessage[] = [];
  refusedDeadLetters: DeadLetterMessage[] = [];
  maxBytes = Infinity;
  publish(
    processed: readonly ProcessedComment[],
    deadLetters: readonly DeadLetterMessage[],
  ): Promise<PublishRefusals> {
    const refusals: PublishRefusals = { processed: [], deadLetters: [] };
    const tooLarge = (message: unknown) => JSON.stringify(message).length > this.maxBytes;
    processed.forEach((comment, index) => {
      if (tooLarge(comment)) refusals.processed.push({ index, error: "MESSAGE_TOO_LARGE" });
      else this.processed.push(comment);
    });
    deadLetters.forEach((message, index) => {
      if (tooLarge(message.letter)) {
        refusals.deadLetters.push({ index, error: "MESSAGE_TOO_LARGE" });
        this.refusedDeadLetters.push(message);
      } else this.deadLetters.push(message);
    });
    return Promise.resolve(refusals);
  }
}

function setup(retryDelaysMs = [1000, 2000, 4000, 8000, 16000]) {
  const deps = {
    consumerId: "c1",
    schema: rawCommentSchema(1000),
    dedup: new FakeDedup(),
    cache: new TagCache(10),
    sentiment: new FakeSentiment(),
    store: new FakeStore(),
    publisher: new FakePublisher(),
    guard: new InfraGuard(quiet, 5, 1),
    retryDelaysMs,
    stats: new Stats(),
    logger: quiet,
  };
  return { ...deps, pipeline: new Pipeline(deps) };
}

let offset = 0;
function comment(text: string, id: string = crypto.randomUUID()): RawComment {
  return {
    schemaVersion: SCHEMA_VERSION,
    commentId: id,
    text,
    source: "reddit",
    createdAt: "2026-01-02T03:04:05.000Z",
  };
}
function item(value: RawComment | string | null): WorkItem {
  const bytes = value === null
    ? null
    : new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
  return newWorkItem("raw", 0, 1, { offset: String(offset++), key: null, value: bytes });
}
const signal = new AbortController().signal;

Deno.test("a valid batch is tagged, stored, published with its seq and marked, in one call each", async () => {
  const t = setup();
  const comments = [comment("love it"), comment("hate it"), comment("fine")];
  const result = await t.pipeline.run(comments.map(item), signal);
  assertEquals(result.finished.length, 3);
  assertEquals(result.retry, []);
  assertEquals(t.sentiment.calls.length, 1);
  assertEquals([...t.store.rows.values()].map((row) => row.tag), [
    "POSITIVE",
    "NEGATIVE",
    "NEUTRAL",
  ]);
  assertEquals(t.publisher.processed.map((p) => [p.commentId, p.seq, p.retryCount]), [
    [comments[0].commentId, 1, 0],
    [comments[1].commentId, 2, 0],
    [comments[2].commentId, 3, 0],
  ]);
  assertEquals(t.dedup.processed, new Set(comments.map((c) => c.commentId)));
  assertEquals(t.stats.processed, 3);
});

Deno.test("a cached text skips the sentiment call", async () => {
  const t = setup();
  await t.pipeline.run([item(comment("love it"))], signal);
  await t.pipeline.run([item(comment("  LOVE it ")), item(comment("love it"))], signal);
  assertEquals(t.sentiment.calls.length, 1);
  assertEquals(t.stats.cacheHits, 2);
  assertEquals(t.store.rows.size, 3);
  ok([...t.store.rows.values()].every((row) => row.tag === "POSITIVE"));
});

Deno.test("invalid messages go to the dead-letter queue at once, with reason and original bytes", async () => {
  const t = setup();
  const good = comment("love it");
  const cases: [string | RawComment | null, string][] = [
    ["not json {", "invalid_json"],
    [null, "invalid_json"],
    [JSON.stringify({ ...comment("x"), source: "" }), "invalid_schema"],
    [JSON.stringify({ ...comment("x"), schemaVersion: 2 }), "unsupported_schema_version"],
    [comment(""), "text_empty"],
    [comment("   "), "text_empty"],
    [comment("x".repeat(1001)), "text_too_long"],
    [comment("nul \u0000 inside"), "invalid_schema"],
    [good, ""],
  ];
  const items = cases.map(([value]) => item(value));
  const result = await t.pipeline.run(items, signal);
  assertEquals(result.finished.length, cases.length);
  assertEquals(
    t.publisher.deadLetters.map(({ letter }) => letter.reason),
    cases.filter(([, reason]) => reason !== "").map(([, reason]) => reason),
  );
  for (const { letter } of t.publisher.deadLetters) {
    assertEquals(letter.attempts, 0);
    const original = items.find((i) => i.offset === letter.originalOffset);
    assertEquals(
      atob(letter.originalValueBase64),
      new TextDecoder().decode(original?.value ?? new Uint8Array()),
    );
  }
  assertEquals(t.publisher.processed.map((p) => p.commentId), [good.commentId]);
  assertEquals(t.store.counters.deadLettered, 8);
});

Deno.test("repeats inside a batch and ids Redis knows are discarded and counted", async () => {
  const t = setup();
  const a = comment("love it");
  const b = comment("hate it");
  t.dedup.processed.add(b.commentId);
  const result = await t.pipeline.run([item(a), item(a), item(b)], signal);
  assertEquals(result.finished.length, 3);
  assertEquals(t.store.rows.size, 1);
  assertEquals(t.stats.duplicates, 2);
  assertEquals(t.store.counters.duplicatesDiscarded, 2);
});

Deno.test("an id already in PostgreSQL (Redis lost it) is published again from the stored row", async () => {
  const t = setup();
  const a = comment("love it");
  await t.pipeline.run([item(a)], signal);
  t.dedup.processed.clear();
  await t.pipeline.run([item({ ...a, text: "hate it" })], signal);
  assertEquals(t.store.rows.size, 1);
  assertEquals(t.publisher.processed.length, 2);
  assertEquals(t.publisher.processed[1].tag, "POSITIVE");
  assertEquals(t.publisher.processed[1].seq, 1);
  assertEquals(t.stats.alreadyStored, 1);
});

Deno.test("a failed item waits for its retry while the others finish; retry_count counts the failures", async () => {
  const t = setup();
  const a = comment("love it");
  const b = comment("hate it");
  t.sentiment.failures.set(a.commentId, 2);
  const first = await t.pipeline.run([item(a), item(b)], signal);
  assertEquals(first.finished.length, 1);
  assertEquals(first.retry.map((r) => r.delayMs), [1000]);
  const second = await t.pipeline.run(first.retry.map((r) => r.item), signal);
  assertEquals(second.retry.map((r) => r.delayMs), [2000]);
  const third = await t.pipeline.run(second.retry.map((r) => r.item), signal);
  assertEquals(third.finished.length, 1);
  assertEquals(t.store.rows.get(a.commentId)?.retry_count, 2);
  assertEquals(t.store.rows.get(b.commentId)?.retry_count, 0);
  assertEquals(t.store.counters.retryAttempts, 2);
  // Settled: its attempt counter is gone.
  assertEquals(t.dedup.attempts.has(a.commentId), false);
});

Deno.test("after the fifth retry fails the item is dead-lettered with 6 attempts", async () => {
  const t = setup();
  const a = comment("love it");
  t.sentiment.failures.set(a.commentId, 100);
  let items = [item(a)];
  const delays: number[] = [];
  for (let pass = 0; pass < 6; pass++) {
    const result = await t.pipeline.run(items, signal);
    delays.push(...result.retry.map((r) => r.delayMs));
    items = result.retry.map((r) => r.item);
  }
  assertEquals(delays, [1000, 2000, 4000, 8000, 16000]);
  assertEquals(items, []);
  assertEquals(t.sentiment.calls.length, 6);
  assertEquals(t.publisher.deadLetters.length, 1);
  const { letter } = t.publisher.deadLetters[0];
  assertEquals(letter.reason, "sentiment_retries_exhausted");
  assertEquals(letter.attempts, 6);
  assertEquals(letter.commentId, a.commentId);
  assertEquals(t.store.rows.size, 0);
});

Deno.test("INVALID_ARGUMENT is dead-lettered at once, not retried", async () => {
  const t = setup();
  const a = comment("love it");
  t.sentiment.invalid.add(a.commentId);
  const result = await t.pipeline.run([item(a)], signal);
  assertEquals(result.retry, []);
  assertEquals(t.publisher.deadLetters[0].letter.reason, "sentiment_invalid_argument");
  assertEquals(t.publisher.deadLetters[0].letter.attempts, 1);
});

Deno.test("a call that fails as a whole (sentiment unreachable) waits as an outage and spends no retries", async () => {
  const t = setup();
  t.sentiment.callFails = 3;
  let sawDown = false;
  t.guard.onChange = () => sawDown ||= t.guard.isDown("sentiment");
  const result = await t.pipeline.run([item(comment("love it")), item(comment("hate it"))], signal);
  assertEquals(result.retry, []);
  assertEquals(result.finished.length, 2);
  ok(sawDown, "sentiment was reported down while the call failed");
  ok(!t.guard.isDown("sentiment"));
  assertEquals(t.sentiment.calls.length, 4);
  assertEquals([...t.store.rows.values()].map((row) => row.retry_count), [0, 0]);
  assertEquals(t.publisher.deadLetters, []);
});

Deno.test("a whole call refused for the request (INVALID_ARGUMENT) counts as a failed attempt per item", async () => {
  const t = setup();
  const real = t.sentiment.analyze.bind(t.sentiment);
  let refuse = 1;
  t.sentiment.analyze = (items) =>
    refuse-- > 0
      ? Promise.reject(new SentimentCallError(3, "batch has too many items"))
      : real(items);
  const result = await t.pipeline.run([item(comment("love it"))], signal);
  assertEquals(result.retry.map((r) => [r.item.failures, r.delayMs]), [[1, 1000]]);
  ok(!t.guard.isDown("sentiment"));
  await t.pipeline.run(result.retry.map((r) => r.item), signal);
  assertEquals([...t.store.rows.values()].map((row) => row.retry_count), [1]);
});

Deno.test("an outage that outlasts shutdown abandons a pass waiting for sentiment", async () => {
  const t = setup();
  t.sentiment.callFails = Infinity;
  const abort = new AbortController();
  const running = t.pipeline.run([item(comment("love it"))], abort.signal);
  await new Promise((resolve) => setTimeout(resolve, 20));
  ok(t.guard.isDown("sentiment"));
  abort.abort();
  await rejects(running, AbandonedError);
  assertEquals(t.publisher.deadLetters, []);
  assertEquals(t.store.rows.size, 0);
});

Deno.test("a copy stored while another copy of the id exhausted its retries is published, not dead-lettered", async () => {
  const t = setup([1]);
  const a = comment("love it");
  t.sentiment.failures.set(a.commentId, 2);
  const first = await t.pipeline.run([item(a)], signal);
  assertEquals(first.retry.length, 1);
  // Meanwhile another message with the same id was stored (another pass, another instance).
  t.store.rows.set(a.commentId, {
    comment_id: a.commentId,
    text: a.text,
    source: a.source,
    created_at: a.createdAt,
    text_hash: "0".repeat(64),
    tag: "POSITIVE",
    consumer_id: "c2",
    retry_count: 0,
    seq: 7,
    processed_at: new Date(0).toISOString(),
    score: null,
    language: null,
    reasons: null,
    inserted: true,
  });
  const second = await t.pipeline.run(first.retry.map((r) => r.item), signal);
  assertEquals(second.finished.length, 1);
  assertEquals(t.publisher.deadLetters, []);
  assertEquals(t.publisher.processed.map((p) => [p.commentId, p.seq]), [[a.commentId, 7]]);
});

Deno.test("a raw value over MAX_MESSAGE_BYTES is dead-lettered unparsed with a bounded payload, its length and hash", async () => {
  const t = setup();
  const big = JSON.stringify({ ...comment("x"), padding: "y".repeat(900_000) });
  const small = comment("love it");
  const pipeline = new Pipeline({ ...t.pipeline.deps, maxMessageBytes: 256 * 1024 });
  const result = await pipeline.run([item(big), item(small)], signal);
  assertEquals(result.finished.length, 2);
  assertEquals(t.publisher.deadLetters.length, 1);
  const { letter } = t.publisher.deadLetters[0];
  assertEquals(letter.reason, "message_too_large");
  assertEquals(letter.originalValueBytes, big.length);
  assertEquals(letter.originalValueTruncated, true);
  ok(letter.originalValueBase64.length <= Math.ceil((64 * 1024) / 3) * 4);
  const bytes = new TextEncoder().encode(big);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  assertEquals(
    letter.originalValueSha256,
    [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
  );
  ok(JSON.stringify(letter).length < 100_000);
  assertEquals(t.publisher.processed.map((p) => p.commentId), [small.commentId]);
});

Deno.test("a dead letter Kafka refuses is sent again without payload; the pass finishes", async () => {
  const t = setup();
  t.publisher.maxBytes = 2_000;
  const invalid = JSON.stringify({ nope: "z".repeat(5_000) });
  const result = await t.pipeline.run([item(invalid), item(comment("love it"))], signal);
  assertEquals(result.finished.length, 2);
  assertEquals(t.publisher.refusedDeadLetters.length, 1);
  assertEquals(t.publisher.deadLetters.length, 1);
  const { letter } = t.publisher.deadLetters[0];
  assertEquals(letter.reason, "invalid_schema");
  assertEquals(letter.originalValueBase64, "");
  assertEquals(letter.originalValueTruncated, true);
  assertEquals(letter.originalValueBytes, invalid.length);
  assertEquals(t.publisher.processed.length, 1);
  ok(!t.guard.anyDown, "a refusal is not an outage");
});

Deno.test("a processed comment Kafka refuses stays stored and becomes a publish_refused dead letter", async () => {
  const t = setup();
  t.publisher.maxBytes = 1_000;
  const long = comment("love " + "it ".repeat(300));
  const result = await t.pipeline.run([item(long)], signal);
  assertEquals(result.finished.length, 1);
  assertEquals(t.store.rows.size, 1);
  assertEquals(t.publisher.processed, []);
  assertEquals(t.publisher.deadLetters.map(({ letter }) => letter.reason), ["publish_refused"]);
  assertEquals(t.publisher.deadLetters[0].letter.commentId, long.commentId);
});

Deno.test("a null value (tombstone) is dead-lettered as null, not as an empty value", async () => {
  const t = setup();
  await t.pipeline.run([item(null), item("")], signal);
  const letters = t.publisher.deadLetters.map(({ letter }) => letter);
  assertEquals(letters.map((letter) => letter.originalValueNull ?? false), [true, false]);
  assertEquals(letters.map((letter) => letter.originalValueBytes), [0, 0]);
});

Deno.test("a cache hit after earlier failures keeps the failure count", async () => {
  const t = setup();
  const a = comment("love it");
  t.sentiment.failures.set(a.commentId, 1);
  const first = await t.pipeline.run([item(a)], signal);
  await t.pipeline.run([item(comment("love it"))], signal);
  const calls = t.sentiment.calls.length;
  await t.pipeline.run(first.retry.map((r) => r.item), signal);
  assertEquals(t.sentiment.calls.length, calls);
  assertEquals(t.store.rows.get(a.commentId)?.retry_count, 1);
});

Deno.test("failures recorded before a crash continue the count on replay", async () => {
  const t = setup();
  const a = comment("love it");
  t.dedup.attempts.set(a.commentId, 3);
  t.sentiment.failures.set(a.commentId, 1);
  const first = await t.pipeline.run([item(a)], signal);
  // Fourth failure: the fourth delay applies.
  assertEquals(first.retry.map((r) => r.delayMs), [8000]);
  await t.pipeline.run(first.retry.map((r) => r.item), signal);
  assertEquals(t.store.rows.get(a.commentId)?.retry_count, 4);
});

Deno.test("a store outage is retried until it succeeds; nothing is lost or doubled", async () => {
  const t = setup();
  t.store.failNext = 3;
  const a = comment("love it");
  const result = await t.pipeline.run([item(a)], signal);
  assertEquals(result.finished.length, 1);
  assertEquals(t.store.rows.size, 1);
  assertEquals(t.publisher.processed.length, 1);
  ok(!t.guard.anyDown);
});

Deno.test("an outage that outlasts shutdown abandons the pass without finishing anything", async () => {
  const t = setup();
  t.store.failNext = Infinity;
  const abort = new AbortController();
  const running = t.pipeline.run([item(comment("love it"))], abort.signal);
  await new Promise((resolve) => setTimeout(resolve, 20));
  ok(t.guard.isDown("postgresql"));
  abort.abort();
  await rejects(running, AbandonedError);
  assertEquals(t.publisher.processed, []);
  assertEquals(t.dedup.processed.size, 0);
});

Deno.test("unstorable: NUL, unpaired surrogates and year 0 are refused", () => {
  assertEquals(unstorable(comment("fine")), null);
  ok(unstorable(comment("a\u0000b")));
  ok(unstorable(comment("a\ud800b")));
  ok(unstorable({ ...comment("x"), createdAt: "0000-01-01T00:00:00Z" }));
  ok(unstorable({ ...comment("x"), createdAt: "0001-01-01T00:30:00+01:00" }));
  ok(unstorable({ ...comment("x"), createdAt: "9999-12-31T23:00:00-02:00" }));
  assertEquals(unstorable({ ...comment("x"), createdAt: "0001-01-01T00:30:00-01:00" }), null);
  assertEquals(unstorable({ ...comment("x"), createdAt: "9999-12-31T23:00:00+02:00" }), null);
});

Deno.test("score, language and reasons go from the answer (or the cache) to the row and the message", async () => {
  const t = setup();
  const first = [comment("love it"), comment("old hate it"), comment("fine")];
  await t.pipeline.run(first.map(item), signal);
  // The same text again: answered by the cache, with the same explanation.
  const repeat = comment("LOVE it ");
  await t.pipeline.run([item(repeat)], signal);
  assertEquals(t.sentiment.calls.length, 1);
  assertEquals(t.stats.cacheHits, 1);
  const explained = (id: string) => {
    const { score, language, reasons } = t.store.rows.get(id) ?? {};
    return { score, language, reasons };
  };
  assertEquals(explained(first[0].commentId), { score: 0.75, language: "en", reasons: ["love"] });
  assertEquals(explained(repeat.commentId), explained(first[0].commentId));
  assertEquals(explained(first[1].commentId), { score: null, language: null, reasons: null });
  assertEquals(explained(first[2].commentId), { score: 0, language: "en", reasons: [] });
  // Unknown fields are left out of the message; every message is valid for every reader.
  const messages = new Map(t.publisher.processed.map((message) => [message.commentId, message]));
  assertEquals(
    [first[0], first[1], first[2]].map(({ commentId }) => {
      const { score, language, reasons } = messages.get(commentId) ?? {};
      return { score, language, reasons };
    }),
    [
      { score: 0.75, language: "en", reasons: ["love"] },
      { score: undefined, language: undefined, reasons: undefined },
      { score: 0, language: "en", reasons: [] },
    ],
  );
  ok(!("score" in (messages.get(first[1].commentId) ?? { score: "missing" })));
  for (const message of t.publisher.processed) ProcessedCommentSchema.parse(message);
});

Deno.test("accepted messages with unknown fields are counted, and stored as any other", async () => {
  const t = setup();
  const { schemaVersion: _, ...unversioned } = comment("love it");
  const extra = JSON.stringify({ ...unversioned, author: "ann", lang: "en", likes: 3 });
  const result = await t.pipeline.run([item(extra), item(comment("fine"))], signal);
  assertEquals(result.finished.length, 2);
  assertEquals([t.stats.unknownFields, t.store.rows.size, t.publisher.deadLetters.length], [
    1,
    2,
    0,
  ]);
});
