import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createRandom } from "./random.ts";

const draws = (seed: number, n = 1_000) => {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => random.next());
};

Deno.test("the same seed gives the same sequence; another seed another one", () => {
  assertEquals(draws(7), draws(7));
  ok(JSON.stringify(draws(7)) !== JSON.stringify(draws(8)));
  ok(draws(7).every((value) => value >= 0 && value < 1));
});

Deno.test("int, chance and pick stay in range and reach both ends", () => {
  const random = createRandom(1);
  const ints = Array.from({ length: 2_000 }, () => random.int(3, 6));
  assertEquals([...new Set(ints)].sort(), [3, 4, 5, 6]);
  ok(Array.from({ length: 100 }, () => random.chance(0)).every((hit) => !hit));
  ok(Array.from({ length: 100 }, () => random.chance(1)).every((hit) => hit));
  const picked = new Set(Array.from({ length: 200 }, () => random.pick(["a", "b", "c"])));
  assertEquals([...picked].sort(), ["a", "b", "c"]);
});

Deno.test("uuid gives version 4 UUIDs, repeatable from the seed", () => {
  const a = createRandom(5);
  const b = createRandom(5);
  const ids = Array.from({ length: 100 }, () => a.uuid());
  assertEquals(ids, Array.from({ length: 100 }, () => b.uuid()));
  for (const id of ids) {
    ok(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id), id);
  }
  assertEquals(new Set(ids).size, 100);
});
