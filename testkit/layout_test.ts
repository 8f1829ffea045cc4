/**
 * The workspace's import rules (docs/CONVENTIONS.md, "What may import what"), held against every
 * TypeScript file: contracts import nothing of the project, kit only contracts, services only
 * contracts and kit (their tests and benchmarks also the testkit and bench's profile reader);
 * nothing outside e2e/ and bench/ reaches into another member's folder.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "@sentiment/infra/paths";

const SERVICES = ["producer", "sentiment", "consumer", "api", "dashboard"];

/** The project imports of a file: workspace packages and relative paths. */
function projectImports(source: string): string[] {
  const found: string[] = [];
  const pattern = /\bfrom\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm;
  for (const match of source.matchAll(pattern)) {
    const specifier = match[1] ?? match[2];
    if (specifier.startsWith("@sentiment/") || specifier.startsWith(".")) found.push(specifier);
  }
  return found;
}

function isTestOrBench(path: string): boolean {
  return /(_test|_bench)\.tsx?$/.test(path) || /(^|\/)test_(support|fakes)\.ts$/.test(path) ||
    path.includes("/testing/");
}

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory) {
      if (["static", "results", "build", "dist"].includes(entry.name)) continue;
      yield* sourceFiles(path);
    } else if (/\.tsx?$/.test(entry.name)) yield path;
  }
}

/** The member a file belongs to, and the members its relative imports reach into. */
function memberOf(path: string): string {
  return relative(PROJECT_ROOT, path).split("/")[0];
}

/** Which packages a member's non-test code may import. */
function allowedPackage(member: string, specifier: string, testOrBench: boolean): boolean {
  const pkg = specifier.split("/").slice(0, 2).join("/");
  if (member === "contracts") return testOrBench && pkg === "@sentiment/testkit";
  if (member === "kit") return pkg === "@sentiment/contracts";
  if (SERVICES.includes(member)) {
    if (pkg === "@sentiment/contracts" || pkg === "@sentiment/kit") return true;
    return testOrBench && (pkg === "@sentiment/testkit" || pkg === "@sentiment/bench");
  }
  if (member === "testkit") {
    return ["@sentiment/contracts", "@sentiment/kit", "@sentiment/infra"]
      .includes(pkg);
  }
  return true; // infra, ops, bench, e2e: tooling
}

Deno.test("every import follows the workspace's rules", async () => {
  const problems: string[] = [];
  let files = 0;
  for await (const path of sourceFiles(PROJECT_ROOT)) {
    if (path === new URL(import.meta.url).pathname) continue; // its examples are strings
    const member = memberOf(path);
    const testOrBench = isTestOrBench(path);
    files++;
    for (const specifier of projectImports(await Deno.readTextFile(path))) {
      const where = `${relative(PROJECT_ROOT, path)} imports ${specifier}`;
      if (specifier.startsWith("@sentiment/")) {
        if (!allowedPackage(member, specifier, testOrBench)) problems.push(where);
        continue;
      }
      const target = memberOf(join(path, "..", specifier));
      if (target !== member && member !== "e2e" && member !== "bench") problems.push(where);
    }
  }
  ok(files > 200, `read ${files} files`);
  assertEquals(problems, []);
});

Deno.test("the import reader sees every form of import the workspace uses", () => {
  assertEquals(
    projectImports(`import { a } from "@sentiment/kit/log";
import type { B } from "../consumer/x.ts";
export { c } from "./c.ts";
import "./side_effect.ts";
import {
  d,
} from "@sentiment/contracts/messages";
import postgres from "postgres";`),
    [
      "@sentiment/kit/log",
      "../consumer/x.ts",
      "./c.ts",
      "./side_effect.ts",
      "@sentiment/contracts/messages",
    ],
  );
});
