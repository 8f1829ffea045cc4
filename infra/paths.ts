/**
 * Where the project keeps what it makes at run time. All of it is gitignored.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT: string = fileURLToPath(new URL("../", import.meta.url)).replace(
  /\/$/,
  "",
);

export interface DataPaths {
  /** Root of runtime state: service data, logs, pid files. */
  data: string;
  logs: string;
  run: string;
  /** Downloads that can be made again (Kafka jars). */
  cache: string;
}

export function dataPaths(
  dataRoot: string = Deno.env.get("SENTIMENT_DATA_DIR") ?? join(PROJECT_ROOT, ".data"),
  cacheRoot: string = Deno.env.get("SENTIMENT_CACHE_DIR") ?? join(PROJECT_ROOT, ".cache"),
): DataPaths {
  return {
    data: dataRoot,
    logs: join(dataRoot, "logs"),
    run: join(dataRoot, "run"),
    cache: cacheRoot,
  };
}
