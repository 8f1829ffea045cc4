import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import type { AnalyzeSentimentRequest } from "@sentiment/contracts/grpc";
import { CallError, createAnalyzer, StatusCode, validateRequest } from "./analyzer.ts";
import { createFailureInjector } from "./failure_injector.ts";

const request = (text: string, commentId = "c-1"): AnalyzeSentimentRequest => ({
  commentId,
  text,
  textHash: "",
  consumerId: "consumer-1",
});
const never = createFailureInjector({ ratio: 0 });
const always = createFailureInjector({ ratio: 1 });

Deno.test("bad requests are named precisely", () => {
  assertEquals(validateRequest(request("hi", ""), 10), "commentId is required");
  assertEquals(validateRequest(request("  "), 10), "text is empty");
  assertEquals(
    validateRequest(request("x".repeat(11)), 10),
    "text is longer than 10 characters (11)",
  );
  assertEquals(
    validateRequest({ ...request("hi"), textHash: "xyz" }, 10),
    "textHash must be 64 lowercase hex digits when given",
  );
  assertEquals(validateRequest({ ...request("hi"), textHash: "a".repeat(64) }, 10), null);
});

Deno.test("a valid request gets its tag and a measured processing time", () => {
  const analyzer = createAnalyzer({ maxTextLength: 100, maxBatchItems: 10, injector: never });
  const outcome = analyzer.analyze(request("I love it"));
  ok(outcome.ok);
  assertEquals([outcome.response.commentId, outcome.response.tag], ["c-1", "POSITIVE"]);
  ok(outcome.response.processingTime >= 0);
  assertEquals(outcome.response.cached, false);
});

Deno.test("an answer carries a score in [-1, 1], the language and the reasons", () => {
  const analyzer = createAnalyzer({ maxTextLength: 200, maxBatchItems: 10, injector: never });
  const answer = (text: string) => {
    const outcome = analyzer.analyze(request(text));
    ok(outcome.ok);
    return outcome.response;
  };
  const praise = answer("I love it, the sound is AMAZING!!!");
  assertEquals([praise.tag, praise.language], ["POSITIVE", "en"]);
  ok(praise.score > 0.5 && praise.score <= 1, `score ${praise.score}`);
  ok(praise.reasons.length >= 1 && praise.reasons.length <= 5, praise.reasons.join(","));
  ok(praise.reasons.includes("love"), praise.reasons.join(","));
  const complaint = answer("No funciona, es una basura");
  assertEquals([complaint.tag, complaint.language], ["NEGATIVE", "es"]);
  ok(complaint.score < 0 && complaint.score >= -1, `score ${complaint.score}`);
  const spam = answer("Use my promo code SAVE20 for 20% off");
  assertEquals([spam.tag, spam.score, spam.reasons], ["UNRELATED", 0, ["promotion"]]);
  const question = answer("Does it come in blue?");
  assertEquals([question.tag, question.reasons], ["NEUTRAL", []]);
});

Deno.test("bad input is INVALID_ARGUMENT even when a failure would be injected", () => {
  const analyzer = createAnalyzer({ maxTextLength: 100, maxBatchItems: 10, injector: always });
  const bad = analyzer.analyze(request(""));
  assertEquals(bad.ok ? null : bad.error.code, StatusCode.INVALID_ARGUMENT);
  const good = analyzer.analyze(request("fine"));
  assertEquals(good.ok ? null : good.error.code, StatusCode.UNAVAILABLE);
});

Deno.test("a batch answers every item in order, each on its own", () => {
  const analyzer = createAnalyzer({ maxTextLength: 20, maxBatchItems: 10, injector: never });
  const results = analyzer.analyzeBatch({
    consumerId: "consumer-1",
    items: [
      request("awful", "a"),
      request("", "b"),
      request("x".repeat(21), "c"),
      request("is it blue?", "d"),
    ],
  });
  assertEquals(
    results.map((result) => [
      result.commentId,
      result.outcome,
      result.outcome === "result" ? result.result.tag : result.error.code,
    ]),
    [["a", "result", "NEGATIVE"], ["b", "error", 3], ["c", "error", 3], ["d", "result", "NEUTRAL"]],
  );
  const stats = analyzer.takeStats();
  assertEquals([stats.calls, stats.items, stats.invalid], [1, 4, 2]);
  assertEquals(analyzer.takeStats().calls, 0);
});

Deno.test("injected failures in a batch hit single items, with the configured seed", () => {
  const run = () => {
    const analyzer = createAnalyzer({
      maxTextLength: 100,
      maxBatchItems: 1_000,
      injector: createFailureInjector({ ratio: 0.25, seed: 9 }),
    });
    const items = Array.from({ length: 1_000 }, (_, i) => request("good", `id-${i}`));
    return analyzer.analyzeBatch({ consumerId: "c", items })
      .map((result) => result.outcome === "error" ? result.error.code : 0);
  };
  const codes = run();
  assertEquals(codes, run());
  const failed = codes.filter((code) => code === StatusCode.UNAVAILABLE).length;
  ok(failed > 150 && failed < 350, `${failed} of 1000 failed`);
});

Deno.test("a batch over the item limit is refused as a whole", () => {
  const analyzer = createAnalyzer({ maxTextLength: 100, maxBatchItems: 2, injector: never });
  throws(
    () =>
      analyzer.analyzeBatch({ consumerId: "c", items: [request("a"), request("b"), request("c")] }),
    (error) => error instanceof CallError && error.code === StatusCode.INVALID_ARGUMENT,
  );
});
