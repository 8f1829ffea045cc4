/**
 * Summarises a V8 CPU profile (from Chromium's `Profiler.stop`) as the functions that took the
 * most time: self time (in the function's own code) and total time (with what it called). The
 * render benchmark prints this with `--profile` to show where a batch's milliseconds go.
 *
 * @module
 */

/** The parts of a V8 `Profiler.Profile` this summary reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** One function's share of the profile, in milliseconds. */
export interface FunctionTime {
  name: string;
  selfMs: number;
  totalMs: number;
}

/** Self and total milliseconds per function, most expensive first by `sortBy`. */
export function summarizeProfile(
  profile: CpuProfile,
  { sortBy = "selfMs" as "selfMs" | "totalMs", top = 25 } = {},
): FunctionTime[] {
  const selfByNode = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // A sample's time is the gap to the next one (V8's own convention for self time).
  for (let i = 0; i < samples.length; i++) {
    const ms = (deltas[i + 1] ?? 0) / 1000;
    selfByNode.set(samples[i], (selfByNode.get(samples[i]) ?? 0) + ms);
  }
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const nameOf = (id: number) => {
    const { functionName, url, lineNumber, columnNumber } = nodes.get(id)!.callFrame;
    const file = url.split("/").at(-1) || "(native)";
    return `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}:${columnNumber + 1}`;
  };
  const times = new Map<string, FunctionTime>();
  const entry = (name: string) => {
    let time = times.get(name);
    if (!time) times.set(name, time = { name, selfMs: 0, totalMs: 0 });
    return time;
  };
  const stackOf = (id: number) => {
    const stack: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      stack.push(nameOf(at));
    }
    return stack;
  };
  for (const [id, ms] of selfByNode) {
    const stack = stackOf(id);
    entry(stack[0]).selfMs += ms;
    // Total time counts a function once per sample even when it recurses.
    for (const name of new Set(stack)) entry(name).totalMs += ms;
  }
  return [...times.values()]
    .filter((time) => !/^\((idle|program|root)\)/.test(time.name))
    .sort((a, b) => b[sortBy] - a[sortBy])
    .slice(0, top)
    .map((time) => ({
      ...time,
      selfMs: +time.selfMs.toFixed(1),
      totalMs: +time.totalMs.toFixed(1),
    }));
}
