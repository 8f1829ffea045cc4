/**
 * Where the consumer's time goes: aggregates the self time of a V8 .cpuprofile (what
 * `deno run --cpu-prof` writes) by function and file, and by package or module.
 *
 * @module
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
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
  const workspace = /\/(consumer|proto|infra|bench|api|producer|sentiment)\/(.*)$/.exec(url);
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
