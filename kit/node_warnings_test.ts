import { deepStrictEqual as assertEquals } from "node:assert/strict";
import process from "node:process";
import { setTimeout as nodeSetTimeout } from "node:timers";
import { type NodeWarning, routeNodeWarnings } from "./node_warnings.ts";

Deno.test("kafkajs's negative-timeout warning is dropped; every other one reaches the report", () => {
  const seen: NodeWarning[] = [];
  routeNodeWarnings((warning) => seen.push(warning));
  try {
    process.emitWarning("-17 is a negative number.", "TimeoutNegativeWarning");
    process.emitWarning("old api", { type: "DeprecationWarning" });
    process.emitWarning(new RangeError("too many listeners"));
    process.emitWarning("something odd");
    // A real one, raised by Deno's Node timers the way kafkajs's timers raise it.
    nodeSetTimeout(() => {}, -5);
    assertEquals(seen, [
      { name: "DeprecationWarning", message: "old api" },
      { name: "RangeError", message: "too many listeners" },
      { name: "Warning", message: "something odd" },
    ]);
  } finally {
    routeNodeWarnings();
  }
});
