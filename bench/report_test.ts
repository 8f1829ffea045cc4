import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { spliceMarkdown } from "./report.ts";

Deno.test("the generated block is replaced and the hand-written text kept", () => {
  const first = spliceMarkdown(null, "figures 1");
  ok(first.includes("figures 1"));
  const edited = first + "\n## Notes\nhand-written\n";
  const second = spliceMarkdown(edited, "figures 2");
  ok(second.includes("figures 2"));
  ok(!second.includes("figures 1"));
  ok(second.endsWith("## Notes\nhand-written\n"));
  assertEquals(spliceMarkdown(second, "figures 2"), second);
});
