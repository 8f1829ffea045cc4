import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { type KeyedStorage, SegmentedStorage } from "./segmented_storage.ts";
import { SharedFakeStorage } from "./test_fixtures.ts";

type Row = { id: string; n: number };
const BASE = "test/rows";
const isRow = (value: unknown): value is Row =>
  typeof (value as Row)?.id === "string" && typeof (value as Row)?.n === "number";
const rows = (from: number, to: number) =>
  new Map(
    Array.from(
      { length: to - from },
      (_, i) => [`r${from + i}`, { id: `r${from + i}`, n: from + i }],
    ),
  );

function open(
  storage: KeyedStorage,
  options: Partial<ConstructorParameters<typeof SegmentedStorage<Row>>[0]> = {},
) {
  return new SegmentedStorage<Row>({
    storage,
    base: BASE,
    getKey: (row) => row.id,
    isRow,
    capacity: 10,
    shouldStage: () => false,
    ...options,
  });
}

const ids = (list: Row[]) => list.map((row) => row.id).sort();

Deno.test("what is written is what a new page load reads", async () => {
  const shared = new SharedFakeStorage();
  const writer = open(shared.tab().storage);
  writer.load();
  await writer.write(rows(0, 35), []);
  await writer.write(rows(35, 40), ["r0", "r1", "r17"]);
  const { rows: loaded, report } = open(shared.tab().storage).load();
  assertEquals(ids(loaded), ids([...rows(2, 40).values()].filter((row) => row.id !== "r17")));
  assertEquals(report.invalid, []);
  assertEquals(report.missing, []);
  // Only the manifest and the segments it names are stored.
  const manifest = JSON.parse(shared.data.get(`${BASE}/manifest`)!);
  assertEquals(shared.data.size, manifest.segments.length + 1);
});

Deno.test("a load after a write cut off at any step reads a whole set: nothing kept is lost", async () => {
  const shared = new SharedFakeStorage();
  const writer = open(shared.tab().storage);
  writer.load();
  await writer.write(rows(0, 50), []);
  const before = new Set(rows(0, 50).keys());
  // Each step of the next write, as the storage was after it (a crash at that moment).
  const states: Map<string, string>[] = [];
  const recording = shared.tab().storage;
  const storage: KeyedStorage = {
    get length() {
      return recording.length;
    },
    key: (i) => recording.key(i),
    getItem: (key) => recording.getItem(key),
    setItem: (key, value) => {
      recording.setItem(key, value);
      states.push(new Map(shared.data));
    },
    removeItem: (key) => {
      recording.removeItem(key);
      states.push(new Map(shared.data));
    },
  };
  const staged = open(storage);
  staged.load();
  const evicted = Array.from({ length: 25 }, (_, i) => `r${i}`);
  await staged.write(rows(50, 75), evicted);
  const after = new Set([...rows(25, 75).keys()]);
  ok(states.length >= 5, `${states.length} steps`);
  for (const [step, state] of states.entries()) {
    const crashed = new SharedFakeStorage();
    for (const [key, value] of state) crashed.data.set(key, value);
    const { rows: loaded, report } = open(crashed.tab().storage).load();
    const keys = new Set(loaded.map((row) => row.id));
    assertEquals(report.invalid, [], `step ${step}`);
    for (const key of keys) ok(before.has(key) || after.has(key), `step ${step}: ${key}`);
    for (const key of before) if (after.has(key)) ok(keys.has(key), `step ${step} lost ${key}`);
    if (step === states.length - 1) assertEquals([...keys].sort(), [...after].sort());
  }
});

Deno.test("a corrupt segment is set aside, the rest loads, and the next write removes it", async () => {
  const shared = new SharedFakeStorage();
  const writer = open(shared.tab().storage);
  writer.load();
  await writer.write(rows(0, 30), []);
  const manifest = JSON.parse(shared.data.get(`${BASE}/manifest`)!);
  const middle = `${BASE}/segment/${manifest.segments[1][0]}`;
  shared.data.set(middle, shared.data.get(middle)!.slice(0, -5));
  const reader = open(shared.tab().storage);
  const { rows: loaded, report } = reader.load();
  assertEquals(report.invalid, [middle]);
  assertEquals(ids(loaded), ids([...rows(0, 10).values(), ...rows(20, 30).values()]));
  await reader.write(rows(30, 31), []);
  ok(!shared.data.has(middle));
  assertEquals(ids(open(shared.tab().storage).load().rows), ids([...loaded, { id: "r30", n: 30 }]));
});

Deno.test("an unreadable manifest: the rows of every segment found are stored again", async () => {
  const shared = new SharedFakeStorage();
  const writer = open(shared.tab().storage);
  writer.load();
  await writer.write(rows(0, 25), []);
  shared.data.set(`${BASE}/manifest`, "{trunc");
  const { rows: loaded, report } = open(shared.tab().storage).load();
  assertEquals(report.manifest, "unreadable");
  assertEquals(ids(loaded), ids([...rows(0, 25).values()]));
  assertEquals(ids(open(shared.tab().storage).load().rows), ids(loaded));
});

Deno.test("a write the browser refuses leaves the stored set and no leftovers", async () => {
  const shared = new SharedFakeStorage();
  const writer = open(shared.tab().storage);
  writer.load();
  await writer.write(rows(0, 20), []);
  const stored = new Map(shared.data);
  shared.quotaChars = shared.chars + 50;
  await rejects(writer.write(rows(20, 40), []), { name: "QuotaExceededError" });
  assertEquals(shared.data, stored);
  // It writes again once there is room.
  shared.quotaChars = Infinity;
  await writer.write(rows(20, 22), []);
  assertEquals(open(shared.tab().storage).load().rows.length, 22);
});

Deno.test("a staged write yields between steps; flush() finishes it at once", async () => {
  const shared = new SharedFakeStorage();
  let turns = 0;
  let resume: (() => void) | null = null;
  const writer = open(shared.tab().storage, {
    budgetMs: 0,
    shouldStage: () => true,
    yieldTask: () => {
      turns++;
      return new Promise<void>((resolve) => resume = resolve);
    },
  });
  writer.load();
  let done = false;
  const written = writer.write(rows(0, 30), []).then(() => done = true);
  // One step ran (a segment), then it gave the browser a turn.
  assertEquals(turns, 1);
  assertEquals(shared.data.has(`${BASE}/manifest`), false);
  resume!();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(turns, 2);
  writer.flush();
  await written;
  ok(done);
  assertEquals(open(shared.tab().storage).load().rows.length, 30);
});

Deno.test("another tab's write is read as the rows that came and went", async () => {
  const shared = new SharedFakeStorage();
  const writer = open(shared.tab().storage);
  writer.load();
  await writer.write(rows(0, 15), []);
  const follower = open(shared.tab().storage);
  assertEquals(follower.load().rows.length, 15);
  assertEquals(follower.refresh(), null);
  await writer.write(rows(15, 18), ["r0", "r1"]);
  const change = follower.refresh()!;
  assertEquals(ids(change.inserted), ["r15", "r16", "r17"]);
  assertEquals(change.deleted.sort(), ["r0", "r1"]);
});
