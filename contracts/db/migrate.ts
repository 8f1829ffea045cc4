/**
 * Applies the schema migrations in order, each once, in its own transaction. Safe to run from
 * several processes at once: an advisory lock serialises them.
 *
 * @module
 */
import type postgres from "postgres";
import { type Migration, MIGRATIONS } from "./migrations.ts";

export { type Migration, MIGRATIONS };

/** An arbitrary constant that names this project's migration lock. */
const MIGRATION_LOCK_ID = 74_210_531;

/** Applies pending migrations; returns the versions applied by this call. */
export async function migrate(
  sql: postgres.Sql,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`;
    await tx`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`;
    const done = new Set(
      (await tx<{ version: number }[]>`SELECT version FROM schema_migrations`).map((row) =>
        row.version
      ),
    );
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await tx.unsafe(migration.sql);
      await tx`INSERT INTO schema_migrations (version, name)
               VALUES (${migration.version}, ${migration.name})`;
      applied.push(migration.version);
    }
    return applied;
  });
}
