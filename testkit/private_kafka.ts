/**
 * A Kafka broker of a test's own, for faults that must not touch the shared one: a test can
 * kill -9 it and start it again on the same storage while other test files keep the shared
 * broker. Same jars and configuration as the project's broker (`prepareKafka`), with its own
 * ports, data folder and a smaller heap. It runs as this process's child (no pid file, no /proc
 * reads: a test sandbox needs only `run`).
 *
 * @module
 */
import { join } from "node:path";
import { type DataPaths, dataPaths } from "@sentiment/infra/paths";
import { prepareKafka } from "@sentiment/infra/kafka";
import { delay, isListening, lastLines } from "@sentiment/infra/processes";
import { readInfraSettings } from "@sentiment/infra/settings";

/** A broker started by {@link startPrivateKafka}. */
export interface PrivateKafka {
  /** `host:port` of its one listener. */
  brokers: string[];
  /** kill -9, and waits until the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same storage (after {@link PrivateKafka.kill}). */
  start(): Promise<void>;
  /** Stops it (SIGTERM, then SIGKILL) and removes its data folder. */
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
  const paths: DataPaths = {
    data: root,
    logs: join(root, "logs"),
    run: join(root, "run"),
    cache: dataPaths().cache,
  };
  await Deno.mkdir(paths.logs, { recursive: true });
  const settings = {
    ...readInfraSettings(),
    kafkaBrokers: [`127.0.0.1:${port}`],
    kafkaIsDefault: true,
    kafkaControllerPort: controllerPort,
    kafkaPartitions: partitions,
    kafkaHeapMb: 512,
  };
  const logFile = join(paths.logs, "kafka.log");
  let child: Deno.ChildProcess | undefined;
  let exited: Promise<Deno.CommandStatus> | undefined;
  const start = async () => {
    const [command, ...args] = await prepareKafka(settings, paths, () => {});
    const log = await Deno.open(logFile, { create: true, append: true, write: true });
    child = new Deno.Command(command, { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .spawn();
    const output = Promise.all([
      child.stdout.pipeTo(log.writable, { preventClose: true }),
      child.stderr.pipeTo(new WritableStream({ write: () => {} })),
    ]).catch(() => {}).finally(() => log.close());
    exited = child.status.then(async (status) => {
      await output;
      return status;
    });
    let gone = false;
    exited.then(() => gone = true);
    const deadline = Date.now() + 90_000;
    while (!(await isListening("127.0.0.1", port))) {
      if (gone || Date.now() > deadline) {
        throw new Error(`private Kafka did not start; ${logFile}:\n${await lastLines(logFile)}`);
      }
      await delay(200);
    }
  };
  const kill = async () => {
    try {
      child?.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await exited;
  };
  // A test process that ends without disposing (a failed assertion outside `await using`, an
  // uncaught error) must not leave a broker behind: it is this process's child, not a daemon.
  const killOnExit = () => {
    try {
      child?.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  };
  globalThis.addEventListener("unload", killOnExit);
  await start();
  return {
    brokers: settings.kafkaBrokers,
    kill,
    start,
    async [Symbol.asyncDispose]() {
      try {
        child?.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => kill(), 20_000);
      await exited;
      clearTimeout(timer);
      globalThis.removeEventListener("unload", killOnExit);
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}
