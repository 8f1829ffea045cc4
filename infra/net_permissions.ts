/**
 * The network a service may use, widened exactly to where its environment points it.
 *
 * Each service's permission set (its deno.json) grants only its default addresses
 * (127.0.0.1:9092, :5432, …). A service started with other addresses — tests on free ports,
 * `deno task up` with a port variable set, a private broker — needs those too, and Deno's
 * `--allow-net` flag replaces the set's list rather than adding to it. So whoever starts a
 * service passes `--allow-net` with the set's own entries plus every address found in the
 * variables it gives the service: `*_PORT` (with its `*_HOST`), URLs with a host, and
 * `host:port` lists.
 *
 * @module
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "./paths.ts";
import { clusterBrokers } from "./settings.ts";

const DEFAULT_PORTS: Record<string, number> = {
  "postgres:": 5432,
  "postgresql:": 5432,
  "redis:": 6379,
  "rediss:": 6379,
  "http:": 80,
  "https:": 443,
};

const HOST_PORT_LIST = /^\s*[A-Za-z0-9.[\]:-]+:\d{1,5}(\s*,\s*[A-Za-z0-9.[\]:-]+:\d{1,5})*\s*$/;

/** Every `host:port` the variables point at. */
export function addressesIn(env: Readonly<Record<string, string>>): string[] {
  const found = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (name.endsWith("_PORT") && /^\d{1,5}$/.test(value.trim())) {
      const prefix = name.slice(0, -"_PORT".length);
      const host = env[`${prefix}_HOST`] ?? env[`${prefix.split("_")[0]}_HOST`] ?? "127.0.0.1";
      found.add(`${host}:${Number(value)}`);
    } else if (value.includes("://")) {
      try {
        const url = new URL(value);
        const port = url.port === "" ? DEFAULT_PORTS[url.protocol] : Number(url.port);
        if (url.hostname && port) found.add(`${url.hostname}:${port}`);
      } catch {
        // Not a URL after all: the service itself says what is wrong with it.
      }
    } else if (HOST_PORT_LIST.test(value)) {
      for (const part of value.split(",")) found.add(part.trim());
    }
  }
  return [...found];
}

/** The `net` and `env` entries of a member's permission set. */
function permissionSet(member: string): { net: string[] | boolean; env: string[] | boolean } {
  const config = JSON.parse(Deno.readTextFileSync(join(PROJECT_ROOT, member, "deno.json")));
  const set = config.permissions?.[member] ?? {};
  const entry = (value: unknown) => Array.isArray(value) ? value as string[] : value === true;
  return { net: entry(set.net), env: entry(set.env) };
}

/** Variables as a record, or anything that answers `get` (Deno.env, an EnvSource). */
export type EnvLike = Readonly<Record<string, string>> | { get(name: string): string | undefined };

/**
 * The `--allow-net=…` flag that lets `member` reach what `env` points it at besides its
 * defaults, or none when its set already allows all of it (or every address). Only variables
 * the member may read count: the rest of a caller's environment means nothing to it.
 */
export function netFlagsFor(member: string, env: EnvLike): string[] {
  const set = permissionSet(member);
  if (typeof set.net === "boolean") return [];
  const get = typeof env.get === "function"
    ? (env.get as (name: string) => string | undefined).bind(env)
    : (name: string) => (env as Record<string, string>)[name];
  const names = Array.isArray(set.env)
    ? set.env
    : typeof env.get === "function"
    ? Object.keys(Deno.env.toObject())
    : Object.keys(env);
  const readable: Record<string, string> = {};
  for (const name of names) {
    const value = get(name);
    if (value !== undefined) readable[name] = value;
  }
  // A local cluster (KAFKA_NODES > 1) with no KAFKA_BROKERS given: the service bootstraps from
  // the first node, which then names the others, so it must be allowed to reach every one.
  const nodes = Number(get("KAFKA_NODES") ?? "1");
  if (readsKafka(set.env) && readable.KAFKA_BROKERS === undefined && nodes > 1) {
    const port = Number(get("KAFKA_PORT") ?? "9092");
    readable.KAFKA_BROKERS = clusterBrokers(Math.min(nodes, 9), port).join(",");
  }
  const net = set.net;
  const extra = addressesIn(readable).filter((address) => !allowedBy(net, address));
  return extra.length === 0 ? [] : [`--allow-net=${[...net, ...extra].join(",")}`];
}

function readsKafka(env: string[] | boolean): boolean {
  return env === true || (Array.isArray(env) && env.includes("KAFKA_BROKERS"));
}

/** Whether a `net` list allows `host:port` (an entry is a host, or a host:port). */
function allowedBy(list: readonly string[], address: string): boolean {
  const host = address.slice(0, address.lastIndexOf(":"));
  return list.includes(address) || list.includes(host);
}
