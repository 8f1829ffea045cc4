import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createLogger } from "@sentiment/kit/log";
import { detachBytes, Flow, type InMessage, type PassOutcome, type PassRunner } from "./flow.ts";
import { InfraGuard } from "./infra_guard.ts";
import type { CommitPoint } from "./offsets.ts";
import { Stats } from "./stats.ts";
import { newWorkItem, type WorkItem } from "./work_item.ts";

const quiet = createLogger("test", "error", () => {});

/** Finishes every item unless `decide` says to retry it (with a delay) or to hold the pass. */
class ScriptedRunner implements PassRunner {
  passes: string[][] = [];
  decide: (item: WorkItem) => "finish" | number = () => "finish";
  gate: Promise<void> = Promise.resolve();
  async run(items: readonly WorkItem[]): Promise<PassOutcome> {
    this.passes.push(items.map((item) => item.offset));
    await this.gate;
    const result = { finished: [] as WorkItem[], retry: [] as PassOutcome["retry"][number][] };
    for (const item of items) {
      const decision = this.decide(item);
      if (decision === "finish") result.finished.push(item);
      else result.retry.push({ item, delayMs: decision });
    }
    return result;
  }
}

function setup(
  options: Partial<
    { maxInFlight: number; batchSize: number; concurrency: number; gatherMs: number }
  > = {},
) {
  const runner = new ScriptedRunner();
  const commits: CommitPoint[][] = [];
  const pauses: boolean[] = [];
  const guard = new InfraGuard(quiet, 10, 1);
  const flow = new Flow(
    runner,
    {
      setPaused: (paused) => pauses.push(paused),
      commit: (points) => {
        commits.push(points);
        return Promise.resolve();
      },
    },
    guard,
    new Stats(),
    quiet,
    {
      batchSize: options.batchSize ?? 100,
      concurrency: options.concurrency ?? 1,
      maxInFlight: options.maxInFlight ?? 1000,
      gatherMs: options.gatherMs,
    },
  );
  guard.onChange = () => flow.dependenciesChanged();
  return { runner, commits, pauses, guard, flow };
}

function messages(from: number, count: number): InMessage[] {
  return Array.from({ length: count }, (_, index) => ({
    offset: String(from + index),
    key: null,
    value: new TextEncoder().encode("{}"),
  }));
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

function lastCommitted(commits: CommitPoint[][], partition: number): string | undefined {
  for (let i = commits.length - 1; i >= 0; i--) {
    const point = commits[i].find((p) => p.partition === partition);
    if (point) return point.offset;
  }
  return undefined;
}

Deno.test("finished work is committed up to the next offset", async () => {
  const { flow, commits } = setup();
  assertEquals(flow.offer("raw", 0, messages(0, 5), "4").resolveTo, "4");
  await tick(5);
  assertEquals(lastCommitted(commits, 0), "5");
  assertEquals(flow.inFlight, 0);
});

Deno.test("the partitions of one fetch, offered one after another, share one pass", async () => {
  const { flow, runner, commits } = setup({ concurrency: 4, gatherMs: 5 });
  flow.offer("raw", 0, messages(0, 3), "2");
  flow.offer("raw", 1, messages(10, 2), "11");
  flow.offer("raw", 2, messages(20, 1), "20");
  assertEquals(runner.passes, []);
  await tick(20);
  assertEquals(runner.passes, [["0", "1", "2", "10", "11", "20"]]);
  assertEquals([0, 1, 2].map((p) => lastCommitted(commits, p)), ["3", "12", "21"]);
});

Deno.test("a full pass of fresh messages starts without waiting for more", () => {
  const { flow, runner } = setup({ batchSize: 4, gatherMs: 1_000 });
  flow.offer("raw", 0, messages(0, 4), "3");
  assertEquals(runner.passes, [["0", "1", "2", "3"]]);
  return flow.stop(100);
});

Deno.test("an item waiting for its retry holds its partition's commit, not the flow", async () => {
  const { flow, runner, commits } = setup();
  let failOnce = true;
  runner.decide = (item) => {
    if (item.partition === 0 && item.offset === "1" && failOnce) {
      failOnce = false;
      return 40;
    }
    return "finish";
  };
  flow.offer("raw", 0, messages(0, 3), "2");
  flow.offer("raw", 1, messages(0, 3), "2");
  await tick(5);
  assertEquals(lastCommitted(commits, 0), "1");
  assertEquals(lastCommitted(commits, 1), "3");
  assertEquals(flow.waitingForRetry, 1);
  // Later messages keep flowing while it waits.
  flow.offer("raw", 0, messages(3, 2), "4");
  await tick(5);
  assertEquals(runner.passes.length, 3);
  assertEquals(lastCommitted(commits, 0), "1");
  await tick(60);
  assertEquals(lastCommitted(commits, 0), "5");
  assertEquals(flow.inFlight, 0);
});

Deno.test("at the in-flight bound the rest of a batch waits for room, without pausing", async () => {
  const { flow, runner, pauses } = setup({ maxInFlight: 10, batchSize: 5 });
  let release: () => void = () => {};
  runner.gate = new Promise((resolve) => release = resolve);
  // Only 10 fit: fetching may move to offset 9 only.
  assertEquals(flow.offer("raw", 0, messages(0, 15), "14"), { next: 10, resolveTo: "9" });
  assertEquals(flow.inFlight, 10);
  assertEquals(flow.offer("raw", 0, messages(0, 15), "14", 10), { next: 10, resolveTo: null });
  assertEquals(pauses, []);
  assertEquals(await flow.waitForRoom(10), false);
  const room = flow.waitForRoom(5_000);
  release();
  assertEquals(await room, true);
  assertEquals(flow.offer("raw", 0, messages(0, 15), "14", 10), { next: 15, resolveTo: "14" });
  await tick(5);
});

Deno.test("a re-delivery after a rebalance is skipped, not processed twice", async () => {
  const { flow, runner } = setup();
  let release: () => void = () => {};
  runner.gate = new Promise((resolve) => release = resolve);
  flow.offer("raw", 0, messages(0, 5), "4");
  flow.assign("raw", [0, 1]);
  // Kafka replays from the committed offset after the rebalance.
  assertEquals(flow.offer("raw", 0, messages(0, 7), "6").resolveTo, "6");
  release();
  await tick(5);
  assertEquals(runner.passes.flat(), ["0", "1", "2", "3", "4", "5", "6"]);
});

Deno.test("revoked partitions drop their queued and waiting work, uncommitted", async () => {
  const { flow, runner, commits } = setup({ batchSize: 2 });
  let release: () => void = () => {};
  runner.gate = new Promise((resolve) => release = resolve);
  runner.decide = (item) => item.partition === 1 ? 1000 : "finish";
  flow.offer("raw", 0, messages(0, 2), "1");
  flow.offer("raw", 1, messages(0, 4), "3");
  assertEquals(flow.inFlight, 6);
  flow.assign("raw", [0]);
  // Partition 1's queued messages are gone; the pass in progress finishes on its own.
  assertEquals(flow.queued, 0);
  release();
  await tick(5);
  assertEquals(flow.inFlight, 0);
  assertEquals(flow.waitingForRetry, 0);
  assertEquals(lastCommitted(commits, 1), undefined);
  assertEquals(lastCommitted(commits, 0), "2");
});

Deno.test("a dependency down pauses intake; its return resumes it", async () => {
  const { flow, guard, pauses } = setup();
  guard.reportDown("postgresql", new Error("refused"));
  assertEquals(pauses, [true]);
  assertEquals(flow.offer("raw", 0, messages(0, 3), "2").resolveTo, null);
  guard.reportUp("postgresql");
  assertEquals(pauses, [true, false]);
  assertEquals(flow.offer("raw", 0, messages(0, 3), "2").resolveTo, "2");
  await tick(5);
});

Deno.test("stop abandons queued and waiting work uncommitted and commits what is done", async () => {
  const { flow, runner, commits, pauses } = setup({ batchSize: 2 });
  runner.decide = (item) => item.offset === "1" ? 10_000 : "finish";
  flow.offer("raw", 0, messages(0, 4), "3");
  await tick(5);
  await flow.stop(1000);
  ok(pauses.includes(true));
  assertEquals(lastCommitted(commits, 0), "1");
  assertEquals(flow.inFlight, 0);
  assertEquals(flow.waitingForRetry, 0);
  assertEquals(flow.offer("raw", 0, messages(4, 1), "4").resolveTo, null);
});

Deno.test("an item waiting for a retry holds its own bytes, not the fetched response", () => {
  const response = new Uint8Array(1_000_000);
  response.set([1, 2, 3], 500);
  const item = newWorkItem("t", 0, 1, {
    offset: "7",
    key: response.subarray(100, 102),
    value: response.subarray(500, 503),
  });
  detachBytes(item);
  assertEquals([...item.value ?? []], [1, 2, 3]);
  assertEquals(item.value?.buffer.byteLength, 3);
  assertEquals(item.key?.buffer.byteLength, 2);
});
