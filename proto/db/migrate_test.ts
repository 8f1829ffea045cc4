import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { MIGRATIONS } from "./migrations.ts";

Deno.test("migration versions are unique and ascending", () => {
  const versions = MIGRATIONS.map((migration) => migration.version);
  assertEquals(versions, [...new Set(versions)].sort((a, b) => a - b));
});
