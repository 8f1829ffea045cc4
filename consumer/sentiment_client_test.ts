import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import {
  type AnalyzeSentimentBatchResponse,
  sentimentServiceDefinition,
} from "@sentiment/contracts/grpc";
import { answerOf, outcomesOf, SentimentCallError } from "./sentiment_client.ts";

const item = (commentId: string) => ({ commentId, text: "t", textHash: "h" });

Deno.test("an answer keeps what the service said, and only what the contract can carry", () => {
  const answer = (response: Record<string, unknown>) => answerOf("POSITIVE", response);
  assertEquals(answer({ score: 0.5, language: "es", reasons: ["encanta", "excelente"] }), {
    tag: "POSITIVE",
    score: 0.5,
    language: "es",
    reasons: ["encanta", "excelente"],
  });
  // The placeholders of a service without a classifier are what it said: stored as such.
  assertEquals(answer({ score: 0, language: "und", reasons: [] }), {
    tag: "POSITIVE",
    score: 0,
    language: "und",
    reasons: [],
  });
  // An older service sends no explanation: proto3 decodes it as the defaults.
  const unknown = { tag: "POSITIVE", score: null, language: null, reasons: null };
  assertEquals(answer({ score: 0, language: "", reasons: [] }), unknown);
  assertEquals(answer({}), unknown);
  // Values outside the contract become unknown or are cut, never emitted as they are.
  const long = "x".repeat(70);
  assertEquals(
    answer({
      score: 1.5,
      language: "english",
      reasons: ["a", " ", "b ", long, "c", "d", "e", "f", "g", "h", "i"],
    }),
    {
      tag: "POSITIVE",
      score: null,
      language: null,
      reasons: ["a", "b", "x".repeat(64), "c", "d", "e", "f", "g"],
    },
  );
  assertEquals(answer({ score: Number.NaN, language: " EN " }).score, null);
  assertEquals(answer({ score: -1, language: " EN " }), {
    tag: "POSITIVE",
    score: -1,
    language: "en",
    reasons: [],
  });
  // A reason is never cut in half of a surrogate pair.
  const emoji = `${"x".repeat(63)}😀`;
  assertEquals(answer({ language: "en", reasons: [emoji] }).reasons, ["x".repeat(63)]);
});

Deno.test("outcomes pair results with items; a short answer fails the whole call", () => {
  const response: AnalyzeSentimentBatchResponse = {
    results: [
      {
        commentId: "1864123456789012345",
        outcome: "result",
        result: {
          commentId: "1864123456789012345",
          tag: "NEGATIVE",
          processingTime: 0,
          cached: false,
          score: -0.5,
          language: "de",
          reasons: ["berbat"],
        },
      },
      { commentId: "b", outcome: "error", error: { code: 3, message: "too long" } },
    ],
  };
  assertEquals(outcomesOf([item("1864123456789012345"), item("b")], response), [
    {
      ok: true,
      answer: { tag: "NEGATIVE", score: -0.5, language: "de", reasons: ["berbat"] },
    },
    { ok: false, code: 3, message: "too long" },
  ]);
  throws(() => outcomesOf([item("a")], { results: [] }), SentimentCallError);
});

Deno.test("an older service's answer (no explanation fields on the wire) is stored as unknown", () => {
  const method = sentimentServiceDefinition().AnalyzeSentimentBatch;
  // Encoded from an object without score, language and reasons: the bytes an older service's
  // answer has, since proto3 does not write absent fields either.
  const bytes = method.responseSerialize({
    results: [{
      commentId: "a",
      result: { commentId: "a", tag: "NEUTRAL", processingTime: 0.1, cached: false },
    }],
  });
  const decoded = method.responseDeserialize(bytes) as AnalyzeSentimentBatchResponse;
  assertEquals(outcomesOf([item("a")], decoded), [
    { ok: true, answer: { tag: "NEUTRAL", score: null, language: null, reasons: null } },
  ]);
  // And a new service's placeholders decode as what it said.
  const explained = method.responseDeserialize(method.responseSerialize({
    results: [{
      commentId: "a",
      result: { commentId: "a", tag: "NEUTRAL", score: 0, language: "und", reasons: [] },
    }],
  })) as AnalyzeSentimentBatchResponse;
  assertEquals(outcomesOf([item("a")], explained), [
    { ok: true, answer: { tag: "NEUTRAL", score: 0, language: "und", reasons: [] } },
  ]);
});
