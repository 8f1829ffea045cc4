import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { settingsProblems } from "@sentiment/testkit";
import { PRODUCER_SETTINGS } from "./config.ts";

Deno.test("the settings table agrees with the permission set, the README and compose.yaml", async () => {
  assertEquals(await settingsProblems("producer", PRODUCER_SETTINGS), []);
});
