/**
 * The system programs the local infrastructure needs, installed from Debian's packages when
 * missing (as root on Debian), or else named with the exact command to run.
 *
 * @module
 */
import { run } from "./processes.ts";

export interface SystemNeed {
  /** A program that must be on PATH (or an absolute path). */
  command: string;
  /** The Debian package that provides it. */
  aptPackage: string;
}

export const JAVA: SystemNeed = { command: "java", aptPackage: "default-jre-headless" };
export const MAVEN: SystemNeed = { command: "mvn", aptPackage: "maven" };
export const REDIS: SystemNeed = { command: "redis-server", aptPackage: "redis-server" };
export const POSTGRES: SystemNeed = { command: "pg_ctlcluster", aptPackage: "postgresql" };
export const CHROMIUM: SystemNeed = { command: "chromium", aptPackage: "chromium" };

export async function hasCommand(command: string): Promise<boolean> {
  try {
    const status = await new Deno.Command("sh", {
      args: ["-c", `command -v "${command}"`],
      stdout: "null",
      stderr: "null",
    }).output();
    return status.success;
  } catch {
    return false;
  }
}

let aptUpdated = false;

/** Installs whatever of `needs` is missing; throws a one-line instruction when it cannot. */
export async function ensureSystemPackages(
  needs: SystemNeed[],
  log: (line: string) => void,
): Promise<void> {
  const missing: SystemNeed[] = [];
  for (const need of needs) if (!(await hasCommand(need.command))) missing.push(need);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((need) => need.aptPackage))];
  const command = `apt-get update && apt-get install -y ${packages.join(" ")}`;
  const isRoot = Deno.uid?.() === 0;
  const isDebian = await Deno.stat("/etc/debian_version").then(() => true, () => false);
  if (!isRoot || !isDebian) {
    throw new Error(`missing ${missing.map((n) => n.command).join(", ")}: run \`sudo ${command}\``);
  }
  log(`installing ${packages.join(", ")} with apt-get`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  if (!aptUpdated) {
    await run("apt-get", ["update", "-q"], { env, what: "apt-get update" });
    aptUpdated = true;
  }
  await run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...packages], {
    env,
    what: `apt-get install ${packages.join(" ")}`,
  });
}
