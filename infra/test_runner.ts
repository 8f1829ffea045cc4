/**
 * `deno task test`: runs `deno test -P` over the workspace (each member's test permission set)
 * against the infrastructure the caller made sure of, and prints a plain closing line.
 *
 * @module
 */
import { PROJECT_ROOT } from "./paths.ts";
import { appServices, buildService } from "./services.ts";
import { CHROMIUM, ensureSystemPackages } from "./system_packages.ts";

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

export async function runTests(extraArgs: string[], say: (line: string) => void): Promise<number> {
  // The dashboard's end-to-end tests drive Debian's Chromium; never a downloaded browser.
  await ensureSystemPackages([CHROMIUM], say);
  for (const service of appServices()) await buildService(service);
  say("running deno test -P");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-P", ...extraArgs],
    cwd: PROJECT_ROOT,
    env: { INFRA_READY: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let summary = "";
  let pending = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    await Deno.stdout.write(chunk);
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const plain = line.replace(ANSI, "");
      if (/^(ok|FAILED) \| \d+ passed/.test(plain)) summary = plain;
    }
  }
  const status = await child.status;
  const match =
    /(\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?(?: \| (\d+) ignored)?/
      .exec(summary);
  if (match) {
    console.log(`tests: ${match[1]} passed, ${match[3]} failed, ${match[5] ?? 0} skipped`);
  } else {
    say("deno test printed no summary line");
  }
  return status.code;
}
