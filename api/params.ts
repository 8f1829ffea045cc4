/**
 * Validation of query parameters with zod: the first problem becomes a {@link BadParameter}
 * naming the parameter, which the router answers with 400.
 *
 * @module
 */
import { z } from "zod";
import { BadParameter } from "./http.ts";

/**
 * Parses `url`'s query with `schema` (a zod object of string inputs). A parameter given twice,
 * an unknown parameter (with a strict schema) or a bad value throws BadParameter.
 */
export function parseQuery<S extends z.ZodType>(url: URL, schema: S): z.infer<S> {
  const values: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (name in values) throw new BadParameter(name, `${name} is given more than once`);
    values[name] = value;
  }
  return parseValue(schema, values);
}

/** Validates one value (or record); the issue's path names the parameter. */
export function parseValue<S extends z.ZodType>(
  schema: S,
  value: unknown,
  parameter?: string,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  let name = parameter ?? String(issue.path[0] ?? "query");
  if (issue.code === "unrecognized_keys" && issue.keys.length > 0) name = issue.keys[0];
  const message = issue.code === "unrecognized_keys"
    ? `unknown parameter ${name}`
    : `${name}: ${issue.message}`;
  throw new BadParameter(name, message);
}

/**
 * A text parameter PostgreSQL can take: no NUL (text columns cannot hold it, so the query would
 * fail) and no unpaired surrogate half (it would be sent as U+FFFD and match something else).
 */
export function sqlText(): z.ZodString {
  return z.string()
    .refine((text) => !text.includes("\u0000"), "must not contain NUL characters")
    .refine((text) => text.isWellFormed(), "must not contain unpaired surrogates");
}

/** The instants a date-time parameter may name: years 0001–9999 in UTC. */
const EARLIEST = Date.parse("0001-01-01T00:00:00Z");
const LATEST = Date.parse("9999-12-31T23:59:59.999Z");

/**
 * An ISO 8601 date-time with an offset (`Z` or `±hh:mm`) naming an instant in years 0001–9999
 * UTC: PostgreSQL has no year 0 (`0001-01-01T00:00:00+01:00` is in it), and ISO strings of
 * years past 9999 need a sign the text form of other readers does not expect.
 */
export function isoDateTime(): z.ZodType<string, string> {
  return z.iso.datetime({ offset: true, message: "expected an ISO 8601 date-time" })
    .refine((text) => {
      const instant = Date.parse(text);
      return instant >= EARLIEST && instant <= LATEST;
    }, "must lie in the years 0001-9999 (UTC)");
}
