/**
 * The services under test as real processes (`deno run -P=<member> <member>/main.ts`, with
 * extra deno flags such as `--cpu-prof` when asked), their resource use read from /proc, and a
 * cleanup list that stops everything the bench started, also on failure or Ctrl-C.
 *
 * @module
 */
import { type ServiceProcess, startService as startMember } from "@sentiment/testkit";

/** A running service (the testkit's process wrapper). */
export type Service = ServiceProcess;

/** Lines kept per service: a bench's services print for minutes. */
const MAX_LINES = 500;

/** Things to undo at the end, last first. */
const cleanups: { what: string; run: () => Promise<unknown> }[] = [];

/** Registers an undo step; returns a function that runs it now (once) instead. */
export function onCleanup(what: string, run: () => Promise<unknown>): () => Promise<void> {
  const entry = { what, run };
  cleanups.push(entry);
  return async () => {
    const index = cleanups.indexOf(entry);
    if (index < 0) return;
    cleanups.splice(index, 1);
    await run();
  };
}

/** Runs every registered undo step, newest first, reporting (not throwing) failures. */
export async function cleanupAll(say?: (line: string) => void): Promise<void> {
  while (cleanups.length > 0) {
    const { what, run } = cleanups.pop()!;
    try {
      await run();
      say?.(`cleaned up ${what}`);
    } catch (error) {
      console.error(`[bench] cleanup of ${what} failed: ${(error as Error).message}`);
    }
  }
}

/**
 * Starts a workspace member's main.ts with its own permission set, to be stopped by
 * {@link cleanupAll} if the bench ends before it does.
 */
export function startService(
  member: string,
  env: Record<string, string>,
  options: { name?: string; denoFlags?: string[]; args?: string[] } = {},
): Service {
  const service = startMember(member, env, {
    ...options,
    echo: Deno.env.get("BENCH_ECHO") === "1",
    maxLines: MAX_LINES,
  });
  onCleanup(`${service.name} (pid ${service.pid})`, () => service.stop(5_000));
  return service;
}

/** Polls an HTTP URL until it answers 200. */
export async function waitForHttp(
  url: string,
  timeoutMs: number,
  service?: Service,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service?.exited) {
      throw new Error(`${service.name} exited:\n${service.lines.slice(-15).join("\n")}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch { /* not yet */ }
    await delay(200);
  }
  throw new Error(
    `${url} not ready within ${timeoutMs} ms` +
      (service ? `:\n${service.lines.slice(-15).join("\n")}` : ""),
  );
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Output of a short command, "" when it fails. */
export async function commandOutput(command: string, args: string[]): Promise<string> {
  try {
    const output = await new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(output.stdout);
  } catch {
    return "";
  }
}

/** Memory and CPU of one process as /proc reports them. */
export interface ProcSample {
  /** Peak resident set (VmHWM), MiB. */
  peakRssMiB: number;
  rssMiB: number;
  /** utime + stime, seconds. */
  cpuSeconds: number;
}

let clockTicks: number | undefined;

/**
 * Reads /proc/<pid>/status and /proc/<pid>/stat of each pid in one `head` call (Deno itself
 * lets only --allow-all read another process's /proc files).
 */
export async function sampleProcs(pids: readonly number[]): Promise<Map<number, ProcSample>> {
  clockTicks ??= Number((await commandOutput("getconf", ["CLK_TCK"])).trim()) || 100;
  const files = pids.flatMap((pid) => [`/proc/${pid}/status`, `/proc/${pid}/stat`]);
  const text = await commandOutput("head", ["-n", "100", ...files]);
  const samples = new Map<number, ProcSample>();
  const partial = new Map<number, Partial<ProcSample>>();
  for (const section of text.split(/^==> /m)) {
    const header = /^\/proc\/(\d+)\/(status|stat) <==\n/.exec(section);
    if (!header) continue;
    const pid = Number(header[1]);
    const body = section.slice(header[0].length);
    const entry = partial.get(pid) ?? {};
    if (header[2] === "status") {
      const kib = (field: string) =>
        Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(body)?.[1]);
      entry.peakRssMiB = kib("VmHWM") / 1024;
      entry.rssMiB = kib("VmRSS") / 1024;
    } else {
      const fields = body.slice(body.lastIndexOf(")") + 2).trim().split(/\s+/);
      // Fields 14 and 15 of stat (utime, stime); the slice starts at field 3.
      entry.cpuSeconds = (Number(fields[11]) + Number(fields[12])) / clockTicks;
    }
    partial.set(pid, entry);
  }
  for (const [pid, entry] of partial) {
    if (
      entry.peakRssMiB !== undefined && !Number.isNaN(entry.peakRssMiB) &&
      entry.cpuSeconds !== undefined
    ) {
      samples.set(pid, entry as ProcSample);
    }
  }
  return samples;
}

/** Samples a set of services every `intervalMs`, keeping each one's last good reading. */
export class ResourceMonitor {
  readonly last = new Map<string, ProcSample>();
  readonly baseline = new Map<string, ProcSample>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy = false;

  constructor(readonly services: readonly Service[], readonly intervalMs = 500) {}

  /** Takes a first reading (the baseline CPU) and starts sampling. */
  async start(): Promise<void> {
    await this.sample();
    for (const [name, sample] of this.last) this.baseline.set(name, sample);
    this.#timer = setInterval(() => {
      if (!this.#busy) void this.sample();
    }, this.intervalMs);
  }

  async sample(): Promise<void> {
    this.#busy = true;
    try {
      const live = this.services.filter((service) => !service.exited);
      const samples = await sampleProcs(live.map((service) => service.pid));
      for (const service of live) {
        const sample = samples.get(service.pid);
        if (sample) this.last.set(service.name, sample);
      }
    } finally {
      this.#busy = false;
    }
  }

  /** Stops sampling after one last reading. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    while (this.#busy) await delay(10);
    await this.sample();
  }

  /** Per service: peak RSS over its life, CPU seconds since `start()`. */
  report(): Record<string, { peakRssMiB: number; cpuSeconds: number }> {
    const out: Record<string, { peakRssMiB: number; cpuSeconds: number }> = {};
    for (const [name, sample] of this.last) {
      const base = this.baseline.get(name)?.cpuSeconds ?? 0;
      out[name] = {
        peakRssMiB: round(sample.peakRssMiB, 1),
        cpuSeconds: round(sample.cpuSeconds - base, 2),
      };
    }
    return out;
  }
}

/** CPU seconds of the infrastructure processes (by command name and pid), machine-wide. */
export async function infraCpu(): Promise<Map<string, number>> {
  const text = await commandOutput("ps", ["-C", "java,postgres,redis-server", "-o", "pid=,comm="]);
  const comms = new Map<number, string>();
  for (const line of text.split("\n")) {
    const [pid, comm] = line.trim().split(/\s+/);
    if (pid && comm) comms.set(Number(pid), comm);
  }
  const samples = await sampleProcs([...comms.keys()]);
  const byPid = new Map<string, number>();
  for (const [pid, sample] of samples) byPid.set(`${comms.get(pid)} ${pid}`, sample.cpuSeconds);
  return byPid;
}

/** Sums the CPU seconds each infrastructure component used between two {@link infraCpu} calls. */
export function infraCpuDelta(
  before: Map<string, number>,
  after: Map<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, seconds] of after) {
    const comm = key.split(" ")[0];
    const name = comm === "java" ? "kafka" : comm === "redis-server" ? "redis" : comm;
    out[name] = (out[name] ?? 0) + Math.max(0, seconds - (before.get(key) ?? 0));
  }
  return out;
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
