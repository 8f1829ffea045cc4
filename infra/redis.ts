/**
 * Redis from Debian's packages with append-only persistence in the project's data folder, so
 * dedup state survives a restart.
 *
 * @module
 */
import { join } from "node:path";
import { Redis } from "ioredis";
import type { DataPaths } from "./paths.ts";
import {
  background,
  isListening,
  lastLines,
  runningPid,
  spawnBackground,
  stopBackground,
  waitUntil,
} from "./processes.ts";
import { listensOn } from "./proc.ts";
import { type InfraSettings, urlHostPort } from "./settings.ts";

export async function redisHealthy(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Starts Redis unless something answers at the URL; returns true when this call started it. */
export async function startRedis(
  settings: InfraSettings,
  paths: DataPaths,
  timeoutMs = 30_000,
): Promise<boolean> {
  const { hostname, port } = urlHostPort(settings.redisUrl, 6379);
  if (await isListening(hostname, port)) {
    if (await redisHealthy(settings.redisUrl)) return false;
    throw new Error(`REDIS_URL: something listens at ${hostname}:${port} but does not answer PING`);
  }
  if (!settings.redisIsDefault) {
    throw new Error(`REDIS_URL: nothing answers at ${hostname}:${port}`);
  }
  return await startRedisServer(paths, hostname, port, timeoutMs);
}

/** Runs redis-server with AOF under `<data>/redis`; exported for tests that need their own. */
export async function startRedisServer(
  paths: DataPaths,
  hostname: string,
  port: number,
  timeoutMs = 30_000,
  name = "redis",
): Promise<boolean> {
  const dir = join(paths.data, name);
  await Deno.mkdir(dir, { recursive: true });
  const proc = background(name, paths.run, paths.logs);
  const pid = await spawnBackground(proc, [
    "redis-server",
    "--bind",
    hostname,
    "--port",
    String(port),
    "--dir",
    dir,
    "--appendonly",
    "yes",
    "--appendfsync",
    "everysec",
    "--save",
    "",
    "--protected-mode",
    "yes",
    // Redis rewrites its command line by default, and infra tells its process by that line.
    "--set-proc-title",
    "no",
  ]);
  await waitUntil(
    async () => {
      if ((await runningPid(proc)) === undefined) {
        throw new Error(
          `Redis exited during start-up; see ${proc.logFile}:\n${await lastLines(proc.logFile)}`,
        );
      }
      // Its own socket, not whatever else answers the port.
      return await listensOn(pid, port);
    },
    timeoutMs,
    () =>
      `Redis did not listen on ${hostname}:${port} within ${
        timeoutMs / 1000
      } s; see ${proc.logFile}`,
  );
  return true;
}

export async function stopRedis(paths: DataPaths, name = "redis"): Promise<boolean> {
  return await stopBackground(background(name, paths.run, paths.logs));
}
