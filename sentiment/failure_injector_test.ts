import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { createFailureInjector } from "./failure_injector.ts";

const draws = (ratio: number, seed: number, n: number) => {
  const injector = createFailureInjector({ ratio, seed });
  return Array.from({ length: n }, () => injector.shouldFail());
};

Deno.test("the same seed fails the same requests", () => {
  assertEquals(draws(1 / 32, 42, 1_000), draws(1 / 32, 42, 1_000));
  ok(JSON.stringify(draws(1 / 32, 42, 1_000)) !== JSON.stringify(draws(1 / 32, 43, 1_000)));
});

Deno.test("ratio 0 never fails and ratio 1 always does", () => {
  ok(draws(0, 1, 10_000).every((fail) => !fail));
  ok(draws(1, 1, 10_000).every((fail) => fail));
});

Deno.test("the failure share stays within 5 standard deviations of the ratio", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const n = 100_000;
    const p = 1 / 32;
    const failures = draws(p, seed, n).filter(Boolean).length;
    const sd = Math.sqrt(n * p * (1 - p));
    ok(Math.abs(failures - n * p) < 5 * sd, `seed ${seed}: ${failures} failures of ${n}`);
  }
});

Deno.test("a ratio outside 0..1 is refused", () => {
  throws(() => createFailureInjector({ ratio: 1.5 }), RangeError);
  throws(() => createFailureInjector({ ratio: NaN }), RangeError);
});
