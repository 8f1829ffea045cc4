import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createLogger } from "@sentiment/kit/log";
import { classifyPostgresError, InfraGuard, sqlStateOf } from "./infra_guard.ts";

/** postgres.js 3.4.9 src/errors.js `PostgresError`: the parsed ErrorResponse fields assigned. */
class FakePostgresError extends Error {
  constructor(fields: Record<string, string>) {
    super(fields.message);
    this.name = "PostgresError";
    Object.assign(this, fields);
  }
}

/** An error PostgreSQL answered, as postgres.js builds it (`Errors.postgres(parseError(x))`). */
function sqlError(code: string, message = `error ${code}`, severity = "ERROR"): Error {
  return new FakePostgresError({ severity, severity_local: severity, code, message });
}

/** A connection error, as postgres.js's `Errors.connection` builds it. */
function connectionError(code: string): Error {
  return Object.assign(new Error(`write ${code} 127.0.0.1:5432`), {
    code,
    errno: code,
    address: "127.0.0.1",
    port: 5432,
  });
}

/** A postgres.js error raised before sending (`Errors.generic`). */
function genericError(code: string): Error {
  return Object.assign(new Error(`${code}: something`), { code });
}

Deno.test("classifyPostgresError: deadlock and serialization failure are conflicts", () => {
  assertEquals(classifyPostgresError(sqlError("40P01", "deadlock detected")), "conflict");
  assertEquals(classifyPostgresError(sqlError("40001")), "conflict");
});

Deno.test("classifyPostgresError: connection and server unavailability are outages", () => {
  for (const code of ["08000", "08003", "08006", "08001", "57P01", "57P02", "57P03", "53300"]) {
    assertEquals(classifyPostgresError(sqlError(code)), "outage", code);
  }
  assertEquals(classifyPostgresError(sqlError("57014", "canceling statement")), "outage");
  // Refused while connecting: FATAL, whatever the class (ALTER DATABASE … ALLOW_CONNECTIONS false).
  const refused = 'database "x" is not currently accepting connections';
  assertEquals(classifyPostgresError(sqlError("55000", refused, "FATAL")), "outage");
  assertEquals(classifyPostgresError(sqlError("28P01", "password failed", "FATAL")), "outage");
  assertEquals(classifyPostgresError(sqlError("55000", "not in prerequisite state")), "statement");
  for (
    const code of [
      "CONNECTION_CLOSED",
      "CONNECTION_DESTROYED",
      "CONNECTION_ENDED",
      "CONNECT_TIMEOUT",
      "ECONNREFUSED",
      "ECONNRESET",
      "EPIPE",
      "ETIMEDOUT",
    ]
  ) {
    assertEquals(classifyPostgresError(connectionError(code)), "outage", code);
  }
  // Anything that is not recognisably a statement error keeps the old pause-and-retry.
  assertEquals(classifyPostgresError(new Error("timed out")), "outage");
  assertEquals(classifyPostgresError("boom"), "outage");
  assertEquals(classifyPostgresError(undefined), "outage");
});

Deno.test("classifyPostgresError: statement and data errors are not outages", () => {
  for (const code of ["42601", "42P01", "42703", "22P02", "22021", "23505", "23502", "0A000"]) {
    assertEquals(classifyPostgresError(sqlError(code)), "statement", code);
  }
  for (const code of ["UNDEFINED_VALUE", "MAX_PARAMETERS_EXCEEDED", "NOT_TAGGED_CALL"]) {
    assertEquals(classifyPostgresError(genericError(code)), "statement", code);
  }
});

Deno.test("sqlStateOf reads only PostgresError codes", () => {
  assertEquals(sqlStateOf(sqlError("42601")), "42601");
  // EPIPE is five capital letters too, but a socket error, not a SQLSTATE.
  assertEquals(sqlStateOf(connectionError("EPIPE")), undefined);
  assertEquals(sqlStateOf(null), undefined);
});

interface Logged {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

function recordingGuard(conflictRetries = 3) {
  const logged: Logged[] = [];
  const logger = {
    ...createLogger("test", "error", () => {}),
    debug: (message: string, fields?: Record<string, unknown>) =>
      logged.push({ level: "debug", message, fields }),
    info: (message: string, fields?: Record<string, unknown>) =>
      logged.push({ level: "info", message, fields }),
    warn: (message: string, fields?: Record<string, unknown>) =>
      logged.push({ level: "warn", message, fields }),
    error: (message: string, fields?: Record<string, unknown>) =>
      logged.push({ level: "error", message, fields }),
  };
  const guard = new InfraGuard(logger, 4, 1, conflictRetries);
  let changes = 0;
  guard.onChange = () => changes++;
  return { guard, logged, changes: () => changes };
}

/** A step that throws the given errors in turn, then returns "ok"; records when it ran. */
function failing(errors: unknown[]) {
  const calls: number[] = [];
  const step = () => {
    calls.push(performance.now());
    const error = errors.shift();
    return error === undefined ? Promise.resolve("ok") : Promise.reject(error);
  };
  return { step, calls };
}

Deno.test("InfraGuard.run re-runs a deadlocked step at once without marking PostgreSQL down", async () => {
  const { guard, logged, changes } = recordingGuard();
  const { step, calls } = failing([sqlError("40P01"), sqlError("40001"), sqlError("40P01")]);
  assertEquals(await guard.run("postgresql", step, new AbortController().signal), "ok");
  assertEquals(calls.length, 4);
  assertEquals(guard.anyDown, false);
  assertEquals(changes(), 0);
  assertEquals(logged.filter((line) => line.level !== "debug"), []);
});

Deno.test("InfraGuard.run backs off a persistent conflict, still without pausing", async () => {
  const { guard, logged, changes } = recordingGuard(2);
  const { step, calls } = failing(Array.from({ length: 4 }, () => sqlError("40P01")));
  assertEquals(await guard.run("postgresql", step, new AbortController().signal), "ok");
  assertEquals(calls.length, 5);
  assertEquals(changes(), 0);
  assertEquals(logged.filter((line) => line.level === "warn").length, 2);
});

Deno.test("InfraGuard.run pauses for a connection error and resumes", async () => {
  const { guard, logged } = recordingGuard();
  const { step } = failing([connectionError("ECONNREFUSED"), sqlError("57P01")]);
  const seen: boolean[] = [];
  guard.onChange = () => seen.push(guard.isDown("postgresql"));
  assertEquals(await guard.run("postgresql", step, new AbortController().signal), "ok");
  assertEquals(seen, [true, false]);
  assertEquals(logged.map((line) => line.level), ["warn", "info"]);
});

Deno.test("InfraGuard.run logs a rejected statement at error, keeps it unfinished, never pauses", async () => {
  const { guard, logged, changes } = recordingGuard();
  const rejected = sqlError("42601", "each UNION query must have the same number of columns");
  const { step, calls } = failing([rejected, rejected, rejected]);
  assertEquals(await guard.run("postgresql", step, new AbortController().signal), "ok");
  assertEquals(calls.length, 4);
  assertEquals(guard.anyDown, false);
  assertEquals(changes(), 0);
  const errors = logged.filter((line) => line.level === "error");
  assertEquals(errors.length, 3);
  assertEquals(errors[0].fields?.sqlstate, "42601");
  assertEquals(errors[0].fields?.error, rejected.message);
  assertEquals(errors[0].message.includes("NOT an outage"), true);
  // Backed off between tries, not re-run at once.
  assertEquals(calls[3] - calls[0] >= 1 + 2 + 4 - 1, true);
});

Deno.test("InfraGuard.run classifies only PostgreSQL steps", async () => {
  const { guard } = recordingGuard();
  const { step } = failing([sqlError("42601")]);
  const seen: boolean[] = [];
  guard.onChange = () => seen.push(guard.isDown("redis"));
  assertEquals(await guard.run("redis", step, new AbortController().signal), "ok");
  assertEquals(seen, [true, false]);
});

Deno.test("a step retrying a rejected statement is a trouble until it succeeds, not an outage", async () => {
  const guard = new InfraGuard(createLogger("test", "error", () => {}), 5, 1);
  let failures = 2;
  const seen: string[][] = [];
  const result = await guard.run("postgresql", () => {
    seen.push(guard.troubles());
    if (failures-- > 0) {
      return Promise.reject(sqlError("22P02", "invalid input syntax"));
    }
    return Promise.resolve("stored");
  }, new AbortController().signal);
  assertEquals(result, "stored");
  assertEquals(seen[0], []);
  ok(seen[1][0].includes("22P02"), seen[1][0]);
  assertEquals(guard.troubles(), []);
  assertEquals(guard.anyDown, false);
});
