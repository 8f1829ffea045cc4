/**
 * Starts the dashboard server from its configuration and stops it.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";
import type { RunningService } from "@sentiment/kit/service";
import { type DashboardConfig, ENV_VARS } from "./config.ts";
import { createHandler } from "./server.tsx";

/** A listening dashboard server. */
export interface RunningDashboard extends RunningService {
  /** e.g. `http://127.0.0.1:3000` (the bound port when 0 was asked for). */
  url: string;
}

/** Starts serving; rejects when the port cannot be bound. */
export function start(config: DashboardConfig, logger: Logger): Promise<RunningDashboard> {
  const stopping = new AbortController();
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen: ({ hostname, port }) => {
      logger.info("listening", {
        url: `http://${hostname}:${port}/`,
        apiUrl: config.apiUrl,
        maxComments: config.maxComments,
        env: ENV_VARS.filter((name) => Deno.env.get(name) !== undefined),
      });
    },
  }, createHandler({ config, logger, signal: stopping.signal }));
  const { hostname, port } = server.addr;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return Promise.resolve({
    url: `http://${host}:${port}`,
    stop: async () => {
      // Open event streams would keep a graceful shutdown waiting until every browser left.
      stopping.abort();
      await server.shutdown();
    },
  });
}
