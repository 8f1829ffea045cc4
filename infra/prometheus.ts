/**
 * A strict reader of the Prometheus text exposition format (0.0.4): what `deno task status`
 * reads from each service's `/metrics`, and what the tests use to prove each endpoint is valid.
 * It rejects anything a Prometheus server would reject, plus inconsistencies (a sample before
 * its TYPE, a family split in two, duplicate series, a histogram whose buckets go down or whose
 * +Inf bucket differs from its count, a negative counter).
 *
 * @module
 */

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  /** The sample's own name, e.g. `x_bucket` of the histogram `x`. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

/** A line that is not valid exposition text; `line` is 1-based. */
export class PrometheusParseError extends Error {
  constructor(readonly line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.name = "PrometheusParseError";
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const SUFFIXES: Record<string, string[]> = {
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["_sum", "_count", ""],
  counter: ["", "_total"],
};

function parseValue(text: string, line: number): number {
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    throw new PrometheusParseError(line, `"${text}" is not a number`);
  }
  return Number(text);
}

/** Reads `{a="1",b="x\"y"}` starting at `start` (the `{`); returns the labels and the end. */
function parseLabels(
  text: string,
  start: number,
  line: number,
): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    if (text[i] === "}") return { labels, end: i + 1 };
    const eq = text.indexOf("=", i);
    if (eq < 0) throw new PrometheusParseError(line, "label without '='");
    const name = text.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) throw new PrometheusParseError(line, `bad label name "${name}"`);
    if (name in labels) throw new PrometheusParseError(line, `label ${name} repeated`);
    if (text[eq + 1] !== '"') throw new PrometheusParseError(line, `label ${name} not quoted`);
    let value = "";
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === "\\") {
        const next = text[++j];
        if (next === "n") value += "\n";
        else if (next === "\\" || next === '"') value += next;
        else throw new PrometheusParseError(line, `bad escape \\${next} in label ${name}`);
      } else {
        value += text[j];
      }
    }
    if (j >= text.length) throw new PrometheusParseError(line, `label ${name} not terminated`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") throw new PrometheusParseError(line, "expected ',' or '}'");
  }
}

function familyOf(
  sampleName: string,
  families: Map<string, MetricFamily>,
): MetricFamily | undefined {
  for (const [base, suffixes] of Object.entries(SUFFIXES)) {
    for (const suffix of suffixes) {
      if (!sampleName.endsWith(suffix)) continue;
      const family = families.get(sampleName.slice(0, sampleName.length - suffix.length));
      if (family?.type === base) return family;
    }
  }
  const family = families.get(sampleName);
  return family && (family.type === "gauge" || family.type === "untyped") ? family : undefined;
}

/** Parses exposition text into families by name; throws {@link PrometheusParseError}. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const closed = new Set<string>();
  const seen = new Set<string>();
  let current: MetricFamily | undefined;
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  else if (text !== "") throw new PrometheusParseError(lines.length, "no final newline");
  const enter = (family: MetricFamily, line: number) => {
    if (current && current !== family) closed.add(current.name);
    if (closed.has(family.name)) {
      throw new PrometheusParseError(line, `${family.name} appears in two separate groups`);
    }
    current = family;
  };
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    if (raw.startsWith("#")) {
      const match = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (!match) return; // a plain comment
      const [, keyword, name, rest = ""] = match;
      if (!METRIC_NAME.test(name)) throw new PrometheusParseError(line, `bad metric name ${name}`);
      let family = families.get(name);
      if (keyword === "TYPE") {
        if (!TYPES.has(rest.trim())) throw new PrometheusParseError(line, `bad type "${rest}"`);
        if (family?.samples.length) {
          throw new PrometheusParseError(line, `TYPE of ${name} after its samples`);
        }
        if (family && family.type !== "untyped") {
          throw new PrometheusParseError(line, `second TYPE for ${name}`);
        }
        family ??= { name, type: "untyped", samples: [] };
        family.type = rest.trim() as MetricType;
      } else {
        family ??= { name, type: "untyped", samples: [] };
        if (family.help !== undefined) {
          throw new PrometheusParseError(line, `second HELP for ${name}`);
        }
        family.help = rest;
      }
      families.set(name, family);
      enter(family, line);
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw);
    if (!nameMatch) throw new PrometheusParseError(line, "no metric name");
    const sampleName = nameMatch[0];
    let labels: Record<string, string> = {};
    let rest = raw.slice(sampleName.length);
    if (rest.startsWith("{")) {
      const parsed = parseLabels(raw, sampleName.length, line);
      labels = parsed.labels;
      rest = raw.slice(parsed.end);
    }
    const fields = rest.trim().split(/\s+/);
    if (!/^\s/.test(rest) || fields.length < 1 || fields.length > 2) {
      throw new PrometheusParseError(line, "expected a value (and an optional timestamp)");
    }
    const value = parseValue(fields[0], line);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) {
      throw new PrometheusParseError(line, `bad timestamp "${fields[1]}"`);
    }
    let family = familyOf(sampleName, families);
    if (!family) {
      if (families.has(sampleName)) {
        throw new PrometheusParseError(line, `${sampleName} does not fit its TYPE`);
      }
      family = { name: sampleName, type: "untyped", samples: [] };
      families.set(sampleName, family);
    }
    enter(family, line);
    const key = sampleName + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(key)) throw new PrometheusParseError(line, `series ${key} repeated`);
    seen.add(key);
    if (family.type === "counter" && !(value >= 0)) {
      throw new PrometheusParseError(line, `counter ${sampleName} is ${fields[0]}`);
    }
    if (family.type === "histogram" && sampleName.endsWith("_bucket") && !("le" in labels)) {
      throw new PrometheusParseError(line, `${sampleName} without le`);
    }
    family.samples.push({ name: sampleName, labels, value });
  });
  for (const family of families.values()) {
    if (family.type === "histogram") checkHistogram(family);
  }
  return families;
}

function checkHistogram(family: MetricFamily): void {
  const groups = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const group = groups.get(key) ?? { buckets: [] };
    groups.set(key, group);
    if (sample.name.endsWith("_bucket")) group.buckets.push([parseValue(le, 0), sample.value]);
    else if (sample.name.endsWith("_count")) group.count = sample.value;
  }
  for (const [key, group] of groups) {
    const buckets = group.buckets.sort((a, b) => a[0] - b[0]);
    const problem = (what: string) =>
      new PrometheusParseError(0, `histogram ${family.name}${key}: ${what}`);
    if (buckets.at(-1)?.[0] !== Infinity) throw problem("no +Inf bucket");
    for (let i = 1; i < buckets.length; i++) {
      if (buckets[i][1] < buckets[i - 1][1]) throw problem("buckets are not cumulative");
    }
    if (group.count !== buckets.at(-1)![1]) throw problem("+Inf bucket differs from _count");
  }
}

/**
 * Sum of the samples named `name` whose labels include `labels` (all of them when omitted);
 * 0 when there are none.
 */
export function sampleSum(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  let total = 0;
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      if (Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) {
        total += sample.value;
      }
    }
  }
  return total;
}

/** A non-2xx answer from an endpoint; `status` says which (401: the api wants API_TOKEN). */
export class HttpStatusError extends Error {
  constructor(readonly url: string, readonly status: number) {
    super(`${url} answered ${status}`);
    this.name = "HttpStatusError";
  }
}

/**
 * Fetches and parses a `/metrics` endpoint; throws {@link HttpStatusError} on a non-2xx answer,
 * and on invalid text.
 */
export async function scrapeMetrics(
  url: string,
  init: RequestInit = {},
): Promise<Map<string, MetricFamily>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000), ...init });
  const text = await response.text();
  if (!response.ok) throw new HttpStatusError(url, response.status);
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("text/plain")) throw new Error(`${url} is ${type}, not text/plain`);
  return parsePrometheusText(text);
}
