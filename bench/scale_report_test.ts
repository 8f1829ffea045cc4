import { ok } from "node:assert/strict";
import type { ScaleResult, Timed } from "./scale.ts";
import { scaleMarkdown, type ScaleReport } from "./scale_report.ts";

const timed = (label: string, extra: Partial<Timed> = {}): Timed => ({
  label,
  request: label,
  items: 50,
  count: 40,
  p50: 10,
  p95: 20,
  p99: 25,
  max: 30,
  ...extra,
});

const spread = { count: 100, p50: 6, p95: 12, p99: 20, max: 40 };

function report(scale: Partial<ScaleResult>): ScaleReport {
  return {
    startedAt: "2026-12-04T04:16:20Z",
    durationSeconds: 1000,
    machine: {
      cores: 2,
      memoryGiB: 23.5,
      cpuModel: "test cpu",
      deno: "2.9.6",
      v8: "14",
      kafka: "4.3.1",
      postgres: "15.18",
      redis: "8",
      os: "Linux",
      loadAtStart: 0.4,
      commit: "abc1234",
    },
    failures: [],
    scale: {
      rows: 10_000_000,
      loadSeconds: 86,
      loadRowsPerSecond: 116_000,
      indexBuildSeconds: { comments_text_trgm_idx: 289 },
      sizesMiB: { table: 2525, indexes: { comments_text_trgm_idx: 1073 }, total: 6610 },
      perMillionMiB: { table: 252.5, indexes: 107.3, trigramIndex: 107.3, total: 661 },
      failures: [],
      storeRate: { withoutTrigram: 20_000, withTrigram: 11_000 },
      loadAverage: { start: 0.4, end: 2.8 },
      ...scale,
    },
  };
}

Deno.test("a search whose SQL statement timed out is reported as such, the others with figures", () => {
  const text = scaleMarkdown(report({
    search: {
      trigram: [
        timed("search hit, common word"),
        timed("search hit, word in German text", { count: 0, timedOutAfterMs: 20_004 }),
        timed("search miss", { count: 1, p50: 12_000, p95: 12_000 }),
      ],
      fullText: [
        timed("search hit, common word", { p95: 7 }),
        timed("search hit, word in German text", { count: 2, p50: 900, timedOutAfterMs: 20_010 }),
      ],
    },
  }));
  ok(text.includes("| 50 | 10.0 / 20.0 | 50 | 10.0 / 7.0 |"), text);
  ok(
    text.includes("| – | timed out (> 20,004 ms) | – | timed out (> 20,010 ms) after 2 runs"),
    text,
  );
  // A slow plan stopped by the time budget after one timed run says so.
  ok(text.includes("| 50 | 12,000.0 / 12,000.0 (1 run) | – | – |"), text);
});

Deno.test("the retention paragraph gives the autovacuum-like VACUUM and the manual one apart", () => {
  const text = scaleMarkdown(report({
    retention: {
      deleted: 322_581,
      chunks: 162,
      seconds: 2.6,
      rowsPerSecond: 122_559,
      longestChunkMs: 22.7,
      writerBefore: spread,
      writerDuring: { ...spread, max: 43.9 },
      vacuumSeconds: 120,
      writerDuringVacuum: { ...spread, max: 61.5 },
      vacuumSettings: "as autovacuum: cost delay 2ms, cost limit 200, no parallel workers",
      manual: {
        deleted: 322_580,
        seconds: 2.7,
        writerDuring: spread,
        vacuumSeconds: 44.3,
        writerDuringVacuum: { ...spread, max: 189.8 },
      },
    },
  }));
  ok(text.includes("**43.9 ms** during it"), text);
  ok(text.includes("(as autovacuum: cost delay 2ms, cost limit 200, no parallel workers)"), text);
  ok(text.includes("12.0 / **61.5 ms**"), text);
  ok(text.includes("manual `VACUUM comments`"), text);
  ok(text.includes("12.0 / 189.8 ms"), text);
});
