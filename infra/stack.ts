/**
 * Bringing the whole system up and down: infrastructure first (Kafka, PostgreSQL, Redis, topics,
 * schema), then the services. What one `up` started is stopped again if a later step fails, so
 * nothing is left half-started.
 *
 * @module
 */
import type { DataPaths } from "./paths.ts";
import { ensureTopics, kafkaHealthy, startKafka, stopKafka } from "./kafka.ts";
import {
  migrateDatabase,
  ownPostgresRunning,
  postgresHealthy,
  startPostgres,
  stopPostgres,
} from "./postgres.ts";
import { kafkaClusterRows } from "./kafka_cluster_status.ts";
import { redisHealthy, startRedis, stopRedis } from "./redis.ts";
import {
  type AppService,
  appServices,
  serviceExists,
  startService,
  stopService,
} from "./services.ts";
import { hostPort, type InfraSettings, serviceKafkaEnv } from "./settings.ts";
import { isListening } from "./processes.ts";
import { redact } from "@sentiment/kit/config";
import { ensureSystemPackages, JAVA, MAVEN, POSTGRES, REDIS } from "./system_packages.ts";

export type Say = (line: string) => void;

interface Started {
  name: string;
  stop: () => Promise<unknown>;
}

/** Starts Kafka, PostgreSQL and Redis as needed; returns the stoppers of what it started. */
export async function startInfrastructure(
  settings: InfraSettings,
  paths: DataPaths,
  say: Say,
): Promise<Started[]> {
  await preflight(settings);
  const started: Started[] = [];
  try {
    await ensureSystemPackages([JAVA, MAVEN, REDIS, POSTGRES], say);
    await step(
      "kafka",
      () => startKafka(settings, paths, say),
      () => stopKafka(paths),
      started,
      say,
    );
    const created = await ensureTopics(
      settings.kafkaBrokers,
      [settings.topics.raw, settings.topics.processed, settings.topics.deadLetter],
      settings.kafkaPartitions,
      new Map([
        [settings.topics.raw, settings.topicRetention.raw],
        [settings.topics.processed, settings.topicRetention.processed],
        [settings.topics.deadLetter, settings.topicRetention.deadLetter],
      ]),
      (topics) => say(`set retention.ms/retention.bytes of existing topics ${topics.join(", ")}`),
      { factor: settings.kafkaReplicationFactor, minInsync: settings.kafkaMinInsyncReplicas },
    );
    if (created.length > 0) {
      say(
        `created topics ${created.join(", ")} (${settings.kafkaPartitions} partitions, ` +
          `${settings.kafkaReplicationFactor} replicas, min.insync.replicas ` +
          `${settings.kafkaMinInsyncReplicas})`,
      );
    }
    await step(
      "postgres",
      () => startPostgres(settings, paths, say),
      () => stopPostgres(paths),
      started,
      say,
    );
    const applied = await migrateDatabase(settings.databaseUrl);
    if (applied.length > 0) say(`applied migrations ${applied.join(", ")}`);
    await step("redis", () => startRedis(settings, paths), () => stopRedis(paths), started, say);
    return started;
  } catch (error) {
    await stopAll(started, say);
    throw error;
  }
}

/** Refuses before anything starts when a user-supplied address does not answer. */
export async function preflight(settings: InfraSettings): Promise<void> {
  if (!settings.kafkaIsDefault) {
    const reachable = await Promise.all(
      settings.kafkaBrokers.map((broker) =>
        isListening(hostPort(broker).hostname, hostPort(broker).port)
      ),
    );
    if (!reachable.some(Boolean)) {
      throw new Error(`KAFKA_BROKERS: nothing answers at ${settings.kafkaBrokers.join(",")}`);
    }
  }
  if (!settings.databaseIsDefault && !(await postgresHealthy(settings.databaseUrl))) {
    throw new Error(`DATABASE_URL: cannot connect to ${redact(settings.databaseUrl)}`);
  }
  if (!settings.redisIsDefault && !(await redisHealthy(settings.redisUrl))) {
    throw new Error(`REDIS_URL: cannot connect to ${redact(settings.redisUrl)}`);
  }
}

async function step(
  name: string,
  start: () => Promise<boolean>,
  stop: () => Promise<unknown>,
  started: Started[],
  say: Say,
): Promise<void> {
  const t0 = performance.now();
  const didStart = await start();
  if (didStart) {
    started.push({ name, stop });
    say(`${name}: started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } else {
    say(`${name}: already running, reused`);
  }
}

export async function stopAll(started: Started[], say: Say): Promise<void> {
  for (const item of [...started].reverse()) {
    await item.stop().catch((error) =>
      say(`${item.name}: stop failed: ${(error as Error).message}`)
    );
    say(`${item.name}: stopped`);
  }
}

/** `deno task up`: infrastructure, then every service this checkout has. */
export async function up(settings: InfraSettings, paths: DataPaths, say: Say): Promise<void> {
  // Read first: a bad port variable must stop us before anything starts.
  const services = appServices();
  const started = await startInfrastructure(settings, paths, say);
  try {
    for (const service of services) {
      if (!(await serviceExists(service))) continue;
      await step(
        service.name,
        () => startService(service, paths, say, undefined, serviceKafkaEnv(settings)),
        () => stopService(service, paths, say),
        started,
        say,
      );
    }
  } catch (error) {
    await stopAll(started, say);
    throw error;
  }
}

/** `deno task down`: stops the services and the project's own infrastructure; keeps data. */
export async function down(paths: DataPaths, say: Say): Promise<void> {
  for (const service of [...appServices()].reverse()) await stopService(service, paths, say);
  if (await stopRedis(paths)) say("redis: stopped");
  if (await stopPostgres(paths)) say("postgres: stopped");
  if (await stopKafka(paths)) say("kafka: stopped");
}

export interface ComponentStatus {
  name: string;
  healthy: boolean;
  detail: string;
}

export async function infrastructureStatus(
  settings: InfraSettings,
  paths: DataPaths,
): Promise<ComponentStatus[]> {
  const [kafka, pg, redis, ownPg] = await Promise.all([
    kafkaHealthy(settings.kafkaBrokers),
    postgresHealthy(settings.databaseUrl),
    redisHealthy(settings.redisUrl),
    ownPostgresRunning(paths),
  ]);
  const cluster = settings.kafkaNodes > 1 && settings.kafkaIsDefault
    ? await kafkaClusterRows(settings, paths)
    : [];
  return [
    { name: "kafka", healthy: kafka, detail: settings.kafkaBrokers.join(",") },
    ...cluster,
    {
      name: "postgres",
      healthy: pg,
      detail: new URL(settings.databaseUrl).host + (ownPg ? " (project cluster)" : ""),
    },
    { name: "redis", healthy: redis, detail: new URL(settings.redisUrl).host },
  ];
}

export type { AppService };
