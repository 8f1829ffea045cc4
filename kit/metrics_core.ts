/**
 * Counters, gauges and histograms written in the Prometheus text format (version 0.0.4).
 *
 * Why not prom-client: it runs under Deno, but with it in the module graph `deno compile`
 * (Deno 2.9.6) dies with a stack overflow, so no service could be compiled. This is the small
 * subset of prom-client's API the services use (same names and call shapes), so a later switch
 * back is an import change.
 *
 * @module
 */

type Labels = Record<string, string | number>;

/** Options shared by every metric kind, as prom-client names them. */
export interface MetricConfiguration<T extends string = string, M = unknown> {
  name: string;
  help: string;
  labelNames?: readonly T[];
  registers?: Registry[];
  /** Called before each exposition (read totals kept elsewhere); `this` is the metric. */
  collect?: (this: M) => void | Promise<void>;
}

const escapeLabel = (value: string) =>
  value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
const escapeHelp = (value: string) => value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function formatLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(",")}}`;
}

/** A metric's own label values, in labelNames order, as a map key. */
abstract class Metric<T extends string, Series> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly T[];
  protected series = new Map<string, { labels: Record<string, string>; value: Series }>();
  readonly #collect?: () => void | Promise<void>;

  constructor(config: MetricConfiguration<T, never>, readonly type: string) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames ?? [];
    // The cast gives `collect` its metric as `this`, as prom-client does.
    this.#collect = config.collect ? (config.collect as () => void).bind(this as never) : undefined;
    for (const registry of config.registers ?? []) registry.registerMetric(this);
  }

  protected abstract fresh(): Series;

  protected entry(labels: Partial<Record<T, string | number>> = {}): Series {
    const own: Record<string, string> = {};
    for (const name of this.labelNames) {
      const value = labels[name];
      own[name] = value === undefined ? "" : String(value);
    }
    for (const key of Object.keys(labels)) {
      if (!this.labelNames.includes(key as T)) {
        throw new Error(`${this.name}: unknown label "${key}"`);
      }
    }
    const key = JSON.stringify(own);
    let found = this.series.get(key);
    if (!found) this.series.set(key, found = { labels: own, value: this.fresh() });
    return found.value;
  }

  protected labelsOf(values: (string | number)[]): Partial<Record<T, string | number>> {
    return Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]])) as Partial<
      Record<T, string | number>
    >;
  }

  reset(): void {
    this.series.clear();
  }

  /** Lines of the exposition, after running `collect`. */
  async expose(defaults: Record<string, string>): Promise<string> {
    await this.#collect?.();
    const lines = [
      `# HELP ${this.name} ${escapeHelp(this.help)}`,
      `# TYPE ${this.name} ${this.type}`,
    ];
    if (this.series.size === 0 && this.labelNames.length === 0) this.entry();
    for (const { labels, value } of this.series.values()) {
      this.samples(lines, { ...defaults, ...labels }, value);
    }
    return lines.join("\n");
  }

  protected abstract samples(lines: string[], labels: Record<string, string>, value: Series): void;
}

function splitArgs<T extends string>(
  first?: Partial<Record<T, string | number>> | number,
  second?: number,
  fallback = 1,
): [Partial<Record<T, string | number>>, number] {
  return typeof first === "object" ? [first, second ?? fallback] : [{}, first ?? fallback];
}

export class Counter<T extends string = string> extends Metric<T, { value: number }> {
  constructor(config: MetricConfiguration<T, Counter<T>>) {
    super(config as MetricConfiguration<T, never>, "counter");
  }
  protected fresh() {
    return { value: 0 };
  }
  inc(labels?: Partial<Record<T, string | number>> | number, value?: number): void {
    const [own, amount] = splitArgs(labels, value);
    if (amount < 0) throw new Error(`${this.name}: a counter cannot decrease`);
    this.entry(own).value += amount;
  }
  labels(...values: (string | number)[]): { inc(value?: number): void } {
    const series = this.entry(this.labelsOf(values));
    return { inc: (value = 1) => void (series.value += value) };
  }
  protected samples(lines: string[], labels: Record<string, string>, series: { value: number }) {
    lines.push(`${this.name}${formatLabels(labels)} ${formatNumber(series.value)}`);
  }
}

export class Gauge<T extends string = string> extends Metric<T, { value: number }> {
  constructor(config: MetricConfiguration<T, Gauge<T>>) {
    super(config as MetricConfiguration<T, never>, "gauge");
  }
  protected fresh() {
    return { value: 0 };
  }
  set(labels: Partial<Record<T, string | number>> | number, value?: number): void {
    const [own, amount] = splitArgs(labels, value, 0);
    this.entry(own).value = amount;
  }
  inc(labels?: Partial<Record<T, string | number>> | number, value?: number): void {
    const [own, amount] = splitArgs(labels, value);
    this.entry(own).value += amount;
  }
  dec(labels?: Partial<Record<T, string | number>> | number, value?: number): void {
    const [own, amount] = splitArgs(labels, value);
    this.entry(own).value -= amount;
  }
  labels(...values: (string | number)[]): { set(value: number): void; inc(value?: number): void } {
    const series = this.entry(this.labelsOf(values));
    return {
      set: (value) => void (series.value = value),
      inc: (value = 1) => void (series.value += value),
    };
  }
  protected samples(lines: string[], labels: Record<string, string>, series: { value: number }) {
    lines.push(`${this.name}${formatLabels(labels)} ${formatNumber(series.value)}`);
  }
}

interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
}

export interface HistogramConfiguration<T extends string>
  extends MetricConfiguration<T, Histogram<T>> {
  buckets?: readonly number[];
}

export class Histogram<T extends string = string> extends Metric<T, HistogramSeries> {
  readonly buckets: readonly number[];

  constructor(config: HistogramConfiguration<T>) {
    super(config as MetricConfiguration<T, never>, "histogram");
    this.buckets = [
      ...(config.buckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
    ]
      .sort((a, b) => a - b);
  }
  protected fresh(): HistogramSeries {
    return { counts: new Array(this.buckets?.length ?? 0).fill(0), sum: 0, count: 0 };
  }
  #record(series: HistogramSeries, value: number): void {
    series.sum += value;
    series.count++;
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) series.counts[index]++;
  }
  observe(labels: Partial<Record<T, string | number>> | number, value?: number): void {
    const [own, amount] = splitArgs(labels, value, 0);
    this.#record(this.entry(own), amount);
  }
  /** Starts a clock; the returned function observes the seconds since, with extra labels. */
  startTimer(
    labels: Partial<Record<T, string | number>> = {},
  ): (end?: Partial<Record<T, string | number>>) => number {
    const start = performance.now();
    return (end = {}) => {
      const seconds = (performance.now() - start) / 1000;
      this.#record(this.entry({ ...labels, ...end }), seconds);
      return seconds;
    };
  }
  labels(...values: (string | number)[]): {
    observe(value: number): void;
    startTimer(): () => number;
  } {
    const own = this.labelsOf(values);
    return {
      observe: (value) => this.#record(this.entry(own), value),
      startTimer: () => this.startTimer(own),
    };
  }
  protected samples(lines: string[], labels: Record<string, string>, series: HistogramSeries) {
    let cumulative = 0;
    this.buckets.forEach((bound, i) => {
      cumulative += series.counts[i];
      lines.push(
        `${this.name}_bucket${formatLabels({ ...labels, le: formatNumber(bound) })} ${cumulative}`,
      );
    });
    lines.push(`${this.name}_bucket${formatLabels({ ...labels, le: "+Inf" })} ${series.count}`);
    lines.push(`${this.name}_sum${formatLabels(labels)} ${formatNumber(series.sum)}`);
    lines.push(`${this.name}_count${formatLabels(labels)} ${series.count}`);
  }
}

/** The metrics of one process, written out together. */
export class Registry {
  readonly contentType = "text/plain; version=0.0.4; charset=utf-8";
  #metrics = new Map<string, Metric<string, unknown>>();
  #defaults: Record<string, string> = {};

  setDefaultLabels(labels: Labels): void {
    this.#defaults = Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
  }

  registerMetric(metric: Metric<string, unknown> | { name: string }): void {
    if (this.#metrics.has(metric.name)) throw new Error(`metric ${metric.name} registered twice`);
    this.#metrics.set(metric.name, metric as Metric<string, unknown>);
  }

  getSingleMetric(name: string): Metric<string, unknown> | undefined {
    return this.#metrics.get(name);
  }

  async metrics(): Promise<string> {
    const blocks: string[] = [];
    for (const metric of this.#metrics.values()) blocks.push(await metric.expose(this.#defaults));
    return blocks.join("\n") + "\n";
  }
}
