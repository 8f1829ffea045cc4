/**
 * A PostgreSQL cluster from Debian's packages, kept in the project's data folder. PostgreSQL
 * refuses to run as root, so its programs run as the `postgres` user through runuser.
 *
 * @module
 */
import { join } from "node:path";
import postgres from "postgres";
import { migrate } from "@sentiment/contracts/db";
import { redact } from "@sentiment/kit/config";
import type { DataPaths } from "./paths.ts";
import { isListening, lastLines, run } from "./processes.ts";
import { type InfraSettings, urlHostPort } from "./settings.ts";

/** The newest installed server's bin folder, e.g. /usr/lib/postgresql/15/bin. */
async function postgresBinDir(): Promise<string> {
  const versions: number[] = [];
  try {
    for await (const entry of Deno.readDir("/usr/lib/postgresql")) {
      if (/^\d+$/.test(entry.name)) versions.push(Number(entry.name));
    }
  } catch {
    // No server installed: reported below.
  }
  for (const version of versions.sort((a, b) => b - a)) {
    const bin = `/usr/lib/postgresql/${version}/bin`;
    if (await Deno.stat(join(bin, "postgres")).then(() => true, () => false)) return bin;
  }
  throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql");
}

function asPostgres(program: string, args: string[]) {
  return Deno.uid?.() === 0
    ? { command: "runuser", args: ["-u", "postgres", "--", program, ...args] }
    : {
      command: program,
      args,
    };
}

async function runAsPostgres(program: string, args: string[], what: string): Promise<string> {
  const { command, args: fullArgs } = asPostgres(program, args);
  return await run(command, fullArgs, { what });
}

export function postgresDirs(paths: DataPaths) {
  const root = join(paths.data, "postgres");
  return {
    root,
    data: join(root, "data"),
    socket: join(root, "run"),
    log: join(paths.logs, "postgres.log"),
  };
}

/** Answers a real query with the given URL (not just TCP). */
export async function postgresHealthy(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/**
 * Makes sure PostgreSQL answers at the configured URL, starting the project's own cluster when
 * the default URL is used and nothing listens there. Returns true when this call started it.
 */
export async function startPostgres(
  settings: InfraSettings,
  paths: DataPaths,
  log: (line: string) => void,
): Promise<boolean> {
  const { hostname, port } = urlHostPort(settings.databaseUrl, 5432);
  if (await isListening(hostname, port)) {
    if (await postgresHealthy(settings.databaseUrl)) return false;
    throw new Error(
      `DATABASE_URL: something listens at ${hostname}:${port} but does not accept ${
        redact(settings.databaseUrl)
      }`,
    );
  }
  if (!settings.databaseIsDefault) {
    throw new Error(
      `DATABASE_URL: nothing answers at ${hostname}:${port} (${redact(settings.databaseUrl)})`,
    );
  }
  const bin = await postgresBinDir();
  const dirs = postgresDirs(paths);
  await Deno.mkdir(dirs.socket, { recursive: true });
  await Deno.mkdir(paths.logs, { recursive: true });
  // The postgres user must be able to reach its folders inside the (root-owned) project.
  for (const dir of [paths.data, dirs.root, paths.logs]) await Deno.chmod(dir, 0o755);
  await run("chown", ["postgres:postgres", dirs.root, dirs.socket]);
  await Deno.writeTextFile(dirs.log, "", { append: true });
  await run("chown", ["postgres:postgres", dirs.log]);
  const initialised = await Deno.stat(join(dirs.data, "PG_VERSION")).then(() => true, () => false);
  if (!initialised) {
    log(`creating a PostgreSQL cluster in ${dirs.data}`);
    await runAsPostgres(join(bin, "initdb"), [
      "-D",
      dirs.data,
      "-U",
      "postgres",
      "--auth-local=peer",
      "--auth-host=scram-sha-256",
      "-E",
      "UTF8",
      "--locale=C.UTF-8",
    ], "initdb");
  }
  await runAsPostgres(join(bin, "pg_ctl"), [
    "-D",
    dirs.data,
    "-l",
    dirs.log,
    "-w",
    "-t",
    "60",
    "-o",
    `-c listen_addresses=${hostname} -p ${port} -k ${dirs.socket} -c max_connections=200`,
    "start",
  ], "starting PostgreSQL").catch(async (error) => {
    throw new Error(`${(error as Error).message}\nsee ${dirs.log}:\n${await lastLines(dirs.log)}`);
  });
  await ensureRoleAndDatabase(settings.databaseUrl, dirs.socket, port);
  return true;
}

/** Creates the URL's role (with CREATEDB, for test databases) and database if missing. */
async function ensureRoleAndDatabase(url: string, socketDir: string, port: number): Promise<void> {
  const parsed = new URL(url);
  const user = decodeURIComponent(parsed.username || "sentiment");
  const password = decodeURIComponent(parsed.password || "sentiment");
  const database = decodeURIComponent(parsed.pathname.slice(1) || user);
  const { command, args } = asPostgres("psql", []);
  const psql = async (sqlText: string, db = "postgres") =>
    await run(command, [
      ...args,
      "-h",
      socketDir,
      "-p",
      String(port),
      "-U",
      "postgres",
      "-d",
      db,
      "-v",
      "ON_ERROR_STOP=1",
      "-tAc",
      sqlText,
    ], { what: "psql" });
  const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const ident = (text: string) => `"${text.replaceAll('"', '""')}"`;
  const roleExists = (await psql(`SELECT 1 FROM pg_roles WHERE rolname = ${quote(user)}`)).trim();
  await psql(
    roleExists === "1"
      ? `ALTER ROLE ${ident(user)} WITH LOGIN CREATEDB PASSWORD ${quote(password)}`
      : `CREATE ROLE ${ident(user)} WITH LOGIN CREATEDB PASSWORD ${quote(password)}`,
  );
  const dbExists = (await psql(`SELECT 1 FROM pg_database WHERE datname = ${quote(database)}`))
    .trim();
  if (dbExists !== "1") await psql(`CREATE DATABASE ${ident(database)} OWNER ${ident(user)}`);
}

/** Applies the schema migrations at the URL. */
export async function migrateDatabase(url: string): Promise<number[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await migrate(sql);
  } finally {
    await sql.end();
  }
}

export async function stopPostgres(paths: DataPaths): Promise<boolean> {
  const dirs = postgresDirs(paths);
  const running = await Deno.stat(join(dirs.data, "postmaster.pid")).then(() => true, () => false);
  if (!running) return false;
  const bin = await postgresBinDir();
  await runAsPostgres(
    join(bin, "pg_ctl"),
    ["-D", dirs.data, "-m", "fast", "-w", "stop"],
    "stopping PostgreSQL",
  )
    .catch(() => {});
  return true;
}

/** Whether the project's own cluster is the one running. */
export async function ownPostgresRunning(paths: DataPaths): Promise<boolean> {
  return await Deno.stat(join(postgresDirs(paths).data, "postmaster.pid")).then(
    () => true,
    () => false,
  );
}
