/**
 * Holds a service's settings table against the three other places its variables are written:
 * the permission set in its `deno.json` (`env`), its README configuration section (and the
 * shared table), and its service in `compose.yaml`. A test per service calls
 * {@link settingsProblems} and expects an empty list.
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { type Setting, type SettingsTable, shownDefault } from "@sentiment/kit/settings";
import { PROJECT_ROOT } from "@sentiment/infra/paths";

/** Variables npm libraries read on their own (kafkajs, grpc-js, postgres.js, proxies). */
export const LIBRARY_VARIABLES =
  /^(KAFKAJS_\w+|GRPC_\w+|PG\w+|NODE_ENV|DEBUG|USER|USERNAME|LOGNAME|\w*_proxy)$/;

interface ReadmeRow {
  variables: string[];
  /** The default cell's leading backticked values, one per variable; empty when none. */
  defaults: string[];
  usedBy?: string;
}

/** Every disagreement between `table` and the member's deno.json, README and compose.yaml. */
export async function settingsProblems(member: string, table: SettingsTable): Promise<string[]> {
  const settings = Object.values(table);
  return [
    ...defaultProblems(settings),
    ...await permissionProblems(member, settings),
    ...await readmeProblems(member, settings),
    ...await composeProblems(member, settings),
  ];
}

/** A default written as the variable's text must read back as the default. */
function defaultProblems(settings: Setting<unknown>[]): string[] {
  const problems: string[] = [];
  for (const setting of settings) {
    const text = shownDefault(setting);
    if (setting.shownDefault !== undefined || text === undefined) continue;
    let value: unknown;
    try {
      value = setting.parse(text, setting.name);
    } catch (error) {
      problems.push(`${setting.name}: default "${text}" does not parse: ${error}`);
      continue;
    }
    if (!isDeepStrictEqual(value, setting.default)) {
      problems.push(`${setting.name}: default "${text}" reads as ${JSON.stringify(value)}`);
    }
  }
  return problems;
}

async function permissionProblems(member: string, settings: Setting<unknown>[]) {
  const config = JSON.parse(await Deno.readTextFile(join(PROJECT_ROOT, member, "deno.json")));
  const granted: unknown = config.permissions?.[member]?.env;
  if (!Array.isArray(granted)) return [`${member}/deno.json: env of "${member}" is not a list`];
  const names = new Set(settings.map((setting) => setting.name));
  return [
    ...[...names].filter((name) => !granted.includes(name)).map((name) =>
      `${member}/deno.json does not grant ${name}`
    ),
    ...granted.filter((name) => !names.has(name) && !LIBRARY_VARIABLES.test(name)).map((name) =>
      `${member}/deno.json grants ${name}, which neither the table nor a library reads`
    ),
  ];
}

async function readmeProblems(member: string, settings: Setting<unknown>[]) {
  const readme = await Deno.readTextFile(join(PROJECT_ROOT, "README.md"));
  const own = readmeRows(readme, new RegExp(`^### ${member} \\(`));
  const shared = readmeRows(readme, /^### Shared$/).filter(({ usedBy }) =>
    usedBy !== undefined && (/\ball\b/.test(usedBy) || new RegExp(`\\b${member}\\b`).test(usedBy))
  );
  if (own.length === 0) return [`README.md has no configuration table for ${member}`];
  const problems: string[] = [];
  const documented = new Map<string, string | undefined>();
  for (const row of [...shared, ...own]) {
    row.variables.forEach((name, i) => documented.set(name, row.defaults[i]));
  }
  const names = new Set(settings.map((setting) => setting.name));
  for (const setting of settings) {
    if (!documented.has(setting.name)) {
      problems.push(`README.md does not document ${setting.name} for ${member}`);
      continue;
    }
    const written = documented.get(setting.name);
    const expected = shownDefault(setting);
    if (written !== expected) {
      problems.push(
        `README.md gives ${setting.name} the default ${written ?? "(none)"}; the table: ${
          expected ?? "(none)"
        }`,
      );
    }
  }
  for (const row of own) {
    for (const name of row.variables) {
      if (!names.has(name)) {
        problems.push(`README.md documents ${name}, which ${member} never reads`);
      }
    }
  }
  return problems;
}

/** The rows of the table under the first heading matching `heading`. */
function readmeRows(readme: string, heading: RegExp): ReadmeRow[] {
  const lines = readme.split("\n");
  const start = lines.findIndex((line) => heading.test(line));
  if (start < 0) return [];
  const rows: ReadmeRow[] = [];
  let header: string[] | undefined;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("#")) break;
    if (!line.startsWith("|")) {
      if (header) break;
      continue;
    }
    const cells = line.slice(1, -1).split("|").map((cell) => cell.trim());
    if (!header) {
      header = cells;
      continue;
    }
    if (cells.every((cell) => /^-+$/.test(cell))) continue;
    const variables = [...cells[0].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1]);
    const defaultCell = cells[header.indexOf("default")] ?? "";
    const lead = /^`[^`]*`(\s*\/\s*`[^`]*`)*/.exec(defaultCell)?.[0] ?? "";
    const defaults = [...lead.matchAll(/`([^`]*)`/g)].map((match) => match[1]);
    const usedByIndex = header.indexOf("used by");
    rows.push({ variables, defaults, usedBy: usedByIndex < 0 ? undefined : cells[usedByIndex] });
  }
  return rows;
}

async function composeProblems(member: string, settings: Setting<unknown>[]) {
  const compose = parseYaml(await Deno.readTextFile(join(PROJECT_ROOT, "compose.yaml")), {
    merge: true,
  }) as { services: Record<string, { environment?: Record<string, string | number> }> };
  const service = compose.services[member];
  if (!service) return [`compose.yaml has no ${member} service`];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(service.environment ?? {})) {
    const setting = settings.find((candidate) => candidate.name === name);
    if (!setting) {
      problems.push(`compose.yaml gives ${member} ${name}, which it never reads`);
      continue;
    }
    try {
      setting.parse(String(value).trim(), name);
    } catch (error) {
      problems.push(`compose.yaml gives ${member} ${name}=${value}: ${error}`);
    }
  }
  return problems;
}
