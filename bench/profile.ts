/**
 * Where a process's time goes: aggregates the self time of a V8 .cpuprofile (what
 * `deno run --cpu-prof` and Chromium's profiler write) by function and file, and by package or
 * module ({@link summarizeProfiles}, for the consumer); or self and total time by function
 * ({@link functionTimes}, for the dashboard's render benchmark).
 *
 * @module
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** The parts of the .cpuprofile format read here. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  /** Sampled wall time, ms (idle included). */
  totalMs: number;
  /** Time not idle, ms. */
  busyMs: number;
  /** Top functions by self time. */
  functions: SelfTime[];
  /** Self time summed by package (npm) or module folder. */
  groups: SelfTime[];
}

/** A short place for a script URL: the npm package, a workspace file, or the runtime. */
export function placeOf(url: string): { group: string; file: string } {
  if (url === "") return { group: "(native / V8)", file: "" };
  const npm = /registry\.npmjs\.org\/((?:@[^/]+\/)?[^/]+)\/[^/]+\/(.*)$/.exec(url);
  if (npm) return { group: `npm:${npm[1]}`, file: `${npm[1]}/${npm[2]}` };
  const workspace = /\/(consumer|contracts|kit|infra|testkit|bench|api|producer|sentiment)\/(.*)$/
    .exec(url);
  if (workspace) return { group: `${workspace[1]}/`, file: `${workspace[1]}/${workspace[2]}` };
  if (url.startsWith("ext:") || url.startsWith("node:")) {
    const module = url.replace(/^ext:/, "").split("/")[0];
    return { group: `runtime (${module})`, file: url.replace(/^ext:/, "") };
  }
  return { group: url, file: url };
}

/** Self time by function, and by group, of one or more profiles. */
export function summarizeProfiles(profiles: readonly CpuProfile[], top = 20): ProfileSummary {
  const byFunction = new Map<string, { name: string; where: string; us: number }>();
  const byGroup = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const selfUs = new Map<number, number>();
    for (let i = 0; i < profile.samples.length; i++) {
      // timeDeltas[i] is the time before sample i; it is charged to that sample's node.
      const delta = profile.timeDeltas[i] ?? 0;
      selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + delta);
    }
    for (const [id, us] of selfUs) {
      const frame = nodes.get(id)?.callFrame;
      if (!frame) continue;
      totalUs += us;
      const name = frame.functionName || "(anonymous)";
      if (name === "(idle)") {
        idleUs += us;
        continue;
      }
      const place = placeOf(frame.url);
      const where = place.file === "" ? "" : `${place.file}:${frame.lineNumber + 1}`;
      const key = `${name}\u0000${where}`;
      const entry = byFunction.get(key) ?? { name, where, us: 0 };
      entry.us += us;
      byFunction.set(key, entry);
      const group = name === "(garbage collector)" || name === "(program)" ? name : place.group;
      byGroup.set(group, (byGroup.get(group) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs;
  const toRow = (name: string, where: string, us: number): SelfTime => ({
    name,
    where,
    ms: Math.round(us / 1000),
    percent: busyUs > 0 ? Math.round((us / busyUs) * 1000) / 10 : 0,
  });
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    functions: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((entry) => toRow(entry.name, entry.where, entry.us)),
    groups: [...byGroup.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([group, us]) => toRow(group, "", us)),
  };
}

/** Reads every .cpuprofile in `dir`. */
export async function readProfiles(dir: string): Promise<CpuProfile[]> {
  const profiles: CpuProfile[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".cpuprofile")) continue;
    profiles.push(JSON.parse(await Deno.readTextFile(`${dir}/${entry.name}`)));
  }
  return profiles;
}

/** One function's share of a profile, in milliseconds. */
export interface FunctionTime {
  name: string;
  selfMs: number;
  totalMs: number;
}

/**
 * Self time (in the function's own code) and total time (with what it called) per function,
 * most expensive first by `sortBy`. Functions are told apart by file, line and column, which
 * is what names them in a minified or bundled script.
 */
export function functionTimes(
  profile: CpuProfile,
  { sortBy = "selfMs" as "selfMs" | "totalMs", top = 25 } = {},
): FunctionTime[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    // As in summarizeProfiles: timeDeltas[i] is charged to sample i.
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + profile.timeDeltas[i]);
  }
  const nameOf = (id: number) => {
    const { functionName, url, lineNumber, columnNumber = 0 } = nodes.get(id)!.callFrame;
    const file = url.split("/").at(-1) || "(native)";
    return `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}:${columnNumber + 1}`;
  };
  const times = new Map<string, { self: number; total: number }>();
  const entry = (name: string) => {
    let time = times.get(name);
    if (!time) times.set(name, time = { self: 0, total: 0 });
    return time;
  };
  for (const [id, us] of selfUs) {
    const stack: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      stack.push(nameOf(at));
    }
    entry(stack[0]).self += us;
    // A function on the stack twice (recursion) counts once per sample.
    for (const name of new Set(stack)) entry(name).total += us;
  }
  const ms = (us: number) => Math.round(us / 100) / 10;
  return [...times.entries()]
    .filter(([name]) => !/^\((idle|program|root)\)/.test(name))
    .sort(([, a], [, b]) => sortBy === "selfMs" ? b.self - a.self : b.total - a.total)
    .slice(0, top)
    .map(([name, time]) => ({ name, selfMs: ms(time.self), totalMs: ms(time.total) }));
}
