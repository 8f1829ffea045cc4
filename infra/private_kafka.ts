/**
 * A Kafka broker of a test's own, for faults that must not touch the shared one: a test can
 * kill -9 it and start it again on the same storage while other test files keep the shared
 * broker. Same jars, same start-up code as the project's broker (`startKafka`), with its own
 * ports, data folder and a smaller heap.
 *
 * @module
 */
import { join } from "node:path";
import { type DataPaths, dataPaths } from "./paths.ts";
import { kafkaProcess, startKafka } from "./kafka.ts";
import { delay, isAlive, readPid, stopBackground } from "./processes.ts";
import { readInfraSettings } from "./settings.ts";

/** A broker started by {@link startPrivateKafka}. */
export interface PrivateKafka {
  /** `host:port` of its one listener. */
  brokers: string[];
  /** kill -9, and waits until the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same storage (after {@link PrivateKafka.kill} or stop). */
  start(): Promise<void>;
  /** Stops it (SIGTERM) and removes its data folder. */
  [Symbol.asyncDispose](): Promise<void>;
}

async function freePort(): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return await Promise.resolve(port);
}

/** Starts a single-node broker on free ports in a fresh temporary folder. */
export async function startPrivateKafka(partitions = 3): Promise<PrivateKafka> {
  const port = await freePort();
  const controllerPort = await freePort();
  const root = await Deno.makeTempDir({ prefix: "private-kafka-" });
  const shared = dataPaths();
  const paths: DataPaths = {
    data: root,
    logs: join(root, "logs"),
    run: join(root, "run"),
    cache: shared.cache,
  };
  const settings = {
    ...readInfraSettings(),
    kafkaBrokers: [`127.0.0.1:${port}`],
    kafkaIsDefault: true,
    kafkaControllerPort: controllerPort,
    kafkaPartitions: partitions,
    kafkaHeapMb: 512,
  };
  const start = async () => {
    await startKafka(settings, paths, () => {});
  };
  await start();
  return {
    brokers: settings.kafkaBrokers,
    async kill() {
      const pid = await readPid(kafkaProcess(paths));
      if (pid === undefined) return;
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
      while (isAlive(pid)) await delay(50);
      // What a killed broker leaves; a start must not mistake it for its new process.
      await Deno.remove(kafkaProcess(paths).pidFile).catch(() => {});
    },
    start,
    async [Symbol.asyncDispose]() {
      await stopBackground(kafkaProcess(paths), 20_000);
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}
