/**
 * Validation of query parameters with zod: the first problem becomes a {@link BadParameter}
 * naming the parameter, which the router answers with 400.
 *
 * @module
 */
import type { z } from "zod";
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
