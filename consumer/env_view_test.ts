import { deepStrictEqual as assertEquals } from "node:assert/strict";
import process from "node:process";
import { grantedEnv } from "./env_view.ts";

Deno.test({
  name: "process.env answers granted variables, hides the others and lists none",
  permissions: { env: ["LOG_LEVEL"] },
  fn() {
    assertEquals(process.env, grantedEnv);
    assertEquals(
      typeof process.env.LOG_LEVEL === "string" || process.env.LOG_LEVEL === undefined,
      true,
    );
    assertEquals(process.env.HOME, undefined);
    assertEquals("HOME" in process.env, false);
    assertEquals(Object.keys(process.env), []);
  },
});
