/**
 * One `up`, `down`, `infra start` or `infra stop` at a time per data folder: each holds an
 * exclusive lock on `<data>/run/infra.lock` while it starts or stops things, so two runs never
 * interleave (two `up`s starting the same service twice, a `down` stopping what an `up` is
 * starting). A second run waits, saying for whom, and gives up after `timeoutMs`.
 *
 * The lock is the kernel's (flock through Deno's FsFile.lock), not the file's existence: the
 * kernel releases it when the holder ends in any way, kill -9 included, so a stale lock from a
 * killed run cannot exist and nothing has to guess whether to break one. The file holds the
 * holder's pid, start time and command, for the waiting message only.
 *
 * @module
 */
import { join } from "node:path";
import type { DataPaths } from "./paths.ts";
import { readProcess } from "./proc.ts";
import { delay } from "./processes.ts";

/** Who holds the lock, as the holder wrote it. */
export interface LockHolder {
  pid: number;
  startTime?: number;
  command: string;
  since: string;
}

export function lockFile(paths: DataPaths): string {
  return join(paths.run, "infra.lock");
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const holder = JSON.parse(await Deno.readTextFile(file)) as LockHolder;
    return Number.isInteger(holder.pid) ? holder : undefined;
  } catch {
    return undefined;
  }
}

function describe(holder: LockHolder | undefined): string {
  return holder
    ? `\`${holder.command}\` (pid ${holder.pid}, since ${holder.since})`
    : "another infra command";
}

/**
 * Runs `work` holding the data folder's infra lock. When another command holds it, says so
 * once and waits (polling, so that the wait is bounded); throws after `timeoutMs`.
 */
export async function withInfraLock<T>(
  paths: DataPaths,
  command: string,
  say: (line: string) => void,
  work: () => Promise<T>,
  timeoutMs = 600_000,
): Promise<T> {
  await Deno.mkdir(paths.run, { recursive: true });
  const file = lockFile(paths);
  const handle = await Deno.open(file, { read: true, write: true, create: true });
  try {
    const started = Date.now();
    const deadline = started + timeoutMs;
    let told = false;
    while (!(await handle.tryLock(true))) {
      const holder = await readHolder(file);
      if (Date.now() > deadline) {
        throw new Error(
          `${describe(holder)} still holds ${file} after ${timeoutMs / 1000} s; not running ` +
            `\`${command}\` alongside it`,
        );
      }
      // The holder writes its name just after it takes the lock: give it a moment to.
      if (!told && (holder !== undefined || Date.now() > started + 1_000)) {
        say(`waiting for ${describe(holder)} to finish`);
        told = true;
      }
      await delay(200);
    }
    const self = await readProcess(Deno.pid);
    const holder: LockHolder = {
      pid: Deno.pid,
      startTime: self?.startTime,
      command,
      since: new Date().toISOString(),
    };
    await handle.truncate(0);
    await handle.write(new TextEncoder().encode(JSON.stringify(holder) + "\n"));
    try {
      return await work();
    } finally {
      await handle.truncate(0).catch(() => {});
      await handle.unlock().catch(() => {});
    }
  } finally {
    handle.close();
  }
}
