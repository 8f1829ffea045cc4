/**
 * `deno task dlq` as a real process against the real Kafka, on private test topics: dead letters
 * written here (valid per the shared DeadLetterSchema), then list / show / replay, checking what
 * arrives on the raw topic byte for byte.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import type { IHeaders } from "kafkajs";
import {
  createTestTopics,
  eventually,
  infraConfig,
  integrationTest,
  PROJECT_ROOT,
  testKafka,
  type TestTopics,
} from "@sentiment/testkit";
import { type DeadLetter, DeadLetterSchema, SCHEMA_VERSION } from "@sentiment/contracts/messages";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function dlq(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=ops", join(PROJECT_ROOT, "ops/dlq.ts"), ...args],
    cwd: PROJECT_ROOT,
    env: { KAFKA_BROKERS: infraConfig().kafkaBrokers.join(","), NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

/** stderr without Deno's notice about permission sets in deno.json. */
const problems = (run: Run) =>
  run.stderr.split("\n").filter((line) => line !== "" && !line.includes("experimental feature"));

const b64 = (bytes: Uint8Array | string) =>
  Buffer.from(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes).toString(
    "base64",
  );

const ids = {
  a: crypto.randomUUID(),
  b: crypto.randomUUID(),
  d: crypto.randomUUID(),
};
// Odd spacing and non-ASCII text: a re-serialised copy would not be byte-identical.
const originalA = `{"schemaVersion":1,  "commentId":"${ids.a}","text":"Ünïcode — great! 🎉",` +
  `"source":"reddit","createdAt":"2026-01-02T03:04:05.000Z"}`;
const originalB = JSON.stringify({
  schemaVersion: 1,
  commentId: ids.b,
  text: "terrible service",
  source: "twitter",
  createdAt: "2026-01-02T03:04:06.000Z",
});
const originalC = new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x22]);
const originalD = JSON.stringify({
  schemaVersion: 1,
  commentId: ids.d,
  text: "   ",
  source: "tiktok",
  createdAt: "2026-01-02T03:04:07.000Z",
});

function letter(fields: Partial<DeadLetter> & Pick<DeadLetter, "reason">): DeadLetter {
  return DeadLetterSchema.parse({
    schemaVersion: SCHEMA_VERSION,
    detail: "test",
    attempts: 0,
    commentId: null,
    originalTopic: "raw-comments",
    originalPartition: 0,
    originalOffset: "0",
    originalValueBase64: "",
    originalKeyBase64: null,
    failedAt: new Date(Date.now() - 90_000).toISOString(),
    consumerId: "test-consumer",
    ...fields,
  });
}

/** Writes the five dead letters at known positions: A 0:0, C 0:1, B 1:0, E 1:1, D 2:0. */
async function seed(topics: TestTopics): Promise<void> {
  const producer = testKafka("ops-test").producer();
  await producer.connect();
  const send = async (partition: number, value: string) => {
    await producer.send({ topic: topics.deadLetter, acks: -1, messages: [{ partition, value }] });
  };
  try {
    await send(
      0,
      JSON.stringify(letter({
        reason: "sentiment_retries_exhausted",
        detail: "UNAVAILABLE: sentiment down",
        attempts: 6,
        commentId: ids.a,
        originalPartition: 4,
        originalOffset: "17",
        originalValueBase64: b64(originalA),
        originalKeyBase64: b64(ids.a),
      })),
    );
    await send(
      0,
      JSON.stringify(letter({
        reason: "invalid_json",
        detail: "not JSON",
        originalValueBase64: b64(originalC),
      })),
    );
    await send(
      1,
      JSON.stringify(letter({
        reason: "sentiment_retries_exhausted",
        attempts: 6,
        commentId: ids.b,
        originalValueBase64: b64(originalB),
        originalKeyBase64: b64(ids.b),
      })),
    );
    await send(1, "this is not a dead letter");
    await send(
      2,
      JSON.stringify(letter({
        reason: "text_empty",
        commentId: ids.d,
        originalValueBase64: b64(originalD),
        originalKeyBase64: b64(ids.d),
      })),
    );
  } finally {
    await producer.disconnect();
  }
}

interface Received {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: IHeaders | undefined;
}

/** Everything on `topic` once `count` messages are there (and a moment more for extras). */
async function readRaw(topic: string, count: number): Promise<Received[]> {
  const consumer = testKafka("ops-test-reader").consumer({
    groupId: `ops-test-${crypto.randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  const received: Received[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push({ key: message.key, value: message.value, headers: message.headers });
        await Promise.resolve();
      },
    });
    await eventually(() => received.length >= count ? true : undefined, 30_000, `${count} msgs`);
    // Extra messages (a replay sent twice) would arrive in the same fetches; give them a moment.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    return received;
  } finally {
    await consumer.disconnect();
  }
}

const text = (bytes: Uint8Array | null) => bytes === null ? null : new TextDecoder().decode(bytes);

integrationTest("dlq list shows every dead letter with reason, attempts, id and age", async () => {
  const topics = await createTestTopics(3);
  await seed(topics);

  const human = await dlq(["list"], topics.env);
  assertEquals(problems(human), []);
  assertEquals(human.code, 0);
  ok(human.stdout.includes(`${topics.deadLetter}: 5 dead letters`), human.stdout);
  ok(/0:0\s+sentiment_retries_exhausted\s+6\s+\S+\s+\d+m \d+s/.test(human.stdout), human.stdout);
  ok(human.stdout.includes("unreadable"), human.stdout);

  const json = await dlq(["list", "--json"], topics.env);
  assertEquals(json.code, 0);
  const rows = json.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assertEquals(rows.map((row) => [row.position, row.reason, row.commentId]), [
    ["0:0", "sentiment_retries_exhausted", ids.a],
    ["0:1", "invalid_json", null],
    ["1:0", "sentiment_retries_exhausted", ids.b],
    ["1:1", null, null],
    ["2:0", "text_empty", ids.d],
  ]);
  ok(rows[0].ageSeconds >= 90, `age ${rows[0].ageSeconds}`);
  assertEquals(rows[0].attempts, 6);

  const filtered = await dlq(
    ["list", "--json", "--reason", "sentiment_retries_exhausted"],
    topics.env,
  );
  assertEquals(
    filtered.stdout.trim().split("\n").map((line) => JSON.parse(line).commentId),
    [ids.a, ids.b],
  );
});

integrationTest("dlq show prints the whole dead letter with its decoded original", async () => {
  const topics = await createTestTopics(3);
  await seed(topics);

  const byId = await dlq(["show", ids.a], topics.env);
  assertEquals(problems(byId), []);
  assertEquals(byId.code, 0);
  for (
    const expected of [
      "dead letter 0:0",
      "sentiment_retries_exhausted",
      "UNAVAILABLE: sentiment down",
      "raw-comments 4:17",
      `key:        ${ids.a}`,
      "Ünïcode — great! 🎉",
      "replayed:   no",
    ]
  ) ok(byId.stdout.includes(expected), `missing ${expected}:\n${byId.stdout}`);

  const byPosition = await dlq(["show", "0:1", "--json"], topics.env);
  assertEquals(byPosition.code, 0);
  const shown = JSON.parse(byPosition.stdout);
  assertEquals(shown.reason, "invalid_json");
  assertEquals(shown.originalValueBase64, b64(originalC));
  assertEquals(shown.originalValueText, null);

  const missing = await dlq(["show", crypto.randomUUID()], topics.env);
  assertEquals(missing.code, 1);
  assertEquals(problems(missing).length, 1, missing.stderr);
  ok(problems(missing)[0].startsWith("dlq: no dead letter for comment"), missing.stderr);
});

integrationTest("dlq replay --id sends the exact original bytes once; again skips", async () => {
  const topics = await createTestTopics(3);
  await seed(topics);

  const first = await dlq(["replay", "--id", ids.a], topics.env);
  assertEquals(problems(first), []);
  assertEquals(first.code, 0);
  ok(first.stdout.includes(`replayed 0:0 comment ${ids.a}`), first.stdout);
  ok(first.stdout.includes(`replayed 1, skipped 0 → ${topics.raw}`), first.stdout);

  const second = await dlq(["replay", "--id", "0:0"], topics.env);
  assertEquals(second.code, 0);
  ok(second.stdout.includes("skipped 0:0"), second.stdout);
  ok(second.stdout.includes("already replayed at"), second.stdout);
  ok(second.stdout.includes("replayed 0, skipped 1"), second.stdout);

  const raw = await readRaw(topics.raw, 1);
  assertEquals(raw.length, 1, "the second replay sent nothing");
  assertEquals(text(raw[0].value), originalA);
  assertEquals(new Uint8Array(raw[0].value!), new TextEncoder().encode(originalA));
  assertEquals(text(raw[0].key), ids.a);
  assertEquals(text(raw[0].headers?.["dlq-replay-of"] as Buffer), `${topics.deadLetter}:0:0`);

  const listed = await dlq(["list", "--json"], topics.env);
  const rows = listed.stdout.trim().split("\n").map((line) => JSON.parse(line));
  ok(rows[0].replayedAt !== null, "list shows the replay");
  assertEquals(rows.slice(1).map((row) => row.replayedAt), [null, null, null, null]);

  const unknown = await dlq(["replay", "--id", "9:9"], topics.env);
  assertEquals(unknown.code, 1);
  assertEquals(problems(unknown), [`dlq: no dead letter at 9:9 in ${topics.deadLetter}`]);
});

integrationTest(
  "dlq replay --reason and --all select, skip the replayed and unreadable",
  async () => {
    const topics = await createTestTopics(3);
    await seed(topics);

    const dry = await dlq(
      ["replay", "--reason", "sentiment_retries_exhausted", "--dry-run"],
      topics.env,
    );
    assertEquals(dry.code, 0);
    ok(dry.stdout.includes(`would replay 2, skipped 0 → ${topics.raw} (dry run`), dry.stdout);

    const byReason = await dlq(["replay", "--reason", "sentiment_retries_exhausted"], topics.env);
    assertEquals(byReason.code, 0);
    ok(byReason.stdout.includes("replayed 2, skipped 0"), byReason.stdout);

    const all = await dlq(["replay", "--all"], topics.env);
    assertEquals(all.code, 0);
    ok(all.stdout.includes("replayed 0:1 comment - (invalid_json)"), all.stdout);
    ok(all.stdout.includes(`replayed 2:0 comment ${ids.d} (text_empty)`), all.stdout);
    ok(all.stdout.includes("skipped 1:1 comment - (unreadable)"), all.stdout);
    ok(all.stdout.includes("replayed 2, skipped 3"), all.stdout);

    const raw = await readRaw(topics.raw, 4);
    assertEquals(raw.length, 4);
    const values = raw.map((message) => b64(message.value!)).sort();
    assertEquals(values, [b64(originalA), b64(originalB), b64(originalC), b64(originalD)].sort());
    const invalid = raw.find((message) => b64(message.value!) === b64(originalC))!;
    assertEquals(invalid.key, null);

    // --force sends again; the consumer's dedup by commentId keeps that harmless.
    const forced = await dlq(["replay", "--id", ids.b, "--force"], topics.env);
    assertEquals(forced.code, 0);
    ok(forced.stdout.includes("replayed 1, skipped 0"), forced.stdout);
    assertEquals((await readRaw(topics.raw, 5)).length, 5);
  },
);

Deno.test("dlq refuses bad arguments with the usage and exit 2, never a stack trace", async () => {
  for (
    const args of [
      [],
      ["frobnicate"],
      ["list", "--reason", "Not A Reason"],
      ["list", "extra"],
      ["show"],
      ["replay"],
      ["replay", "--all", "--id", "x"],
      ["replay", "--reason"],
      ["list", "--nope"],
    ]
  ) {
    const run = await dlq(args);
    assertEquals(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    const lines = problems(run);
    ok(lines[0].startsWith("dlq: "), lines[0]);
    ok(lines[1].startsWith("usage: deno task dlq"), lines[1]);
    ok(!run.stderr.includes("    at "), `stack trace for ${args.join(" ")}`);
  }
  const config = await dlq(["list"], { DLQ_READ_TIMEOUT_MS: "soon" });
  assertEquals(config.code, 2);
  ok(problems(config)[0].startsWith("dlq: invalid configuration: DLQ_READ_TIMEOUT_MS"));
});

integrationTest(
  "dlq replay skips a letter that kept only part of its original, and replays a tombstone as null",
  async () => {
    const topics = await createTestTopics(1);
    const producer = testKafka("ops-test").producer();
    await producer.connect();
    try {
      await producer.send({
        topic: topics.deadLetter,
        acks: -1,
        messages: [
          {
            value: JSON.stringify(letter({
              reason: "message_too_large",
              originalPartition: 3,
              originalOffset: "99",
              originalValueBase64: b64('{"commentId":"abc","attachment":"xxxx'),
              originalValueBytes: 900_000,
              originalValueSha256: "a".repeat(64),
              originalValueTruncated: true,
            })),
          },
          {
            value: JSON.stringify(letter({
              reason: "invalid_json",
              originalValueBase64: "",
              originalValueBytes: 0,
              originalValueNull: true,
            })),
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const replayed = await dlq(["replay", "--all"], topics.env);
    assertEquals(replayed.code, 0);
    ok(
      replayed.stdout.includes("only part of the original was kept (900000 bytes)") &&
        replayed.stdout.includes("raw-comments at 3:99") &&
        replayed.stdout.includes(`sha256 ${"a".repeat(64)}`),
      replayed.stdout,
    );
    ok(replayed.stdout.includes("replayed 1, skipped 1"), replayed.stdout);
    const raw = await readRaw(topics.raw, 1);
    assertEquals(raw.length, 1);
    assertEquals(raw[0].value, null, "a tombstone goes back as a tombstone");
  },
);
