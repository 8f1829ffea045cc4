/**
 * Hosts for a test, made of Linux network namespaces: each "host" a namespace with loopback
 * and one interface on a private link-local /24, all joined by a bridge in a hub namespace of
 * their own. No interface, route or address is added to the machine's own namespace, and no
 * namespace has a default route, so their traffic cannot leave them.
 *
 * Every name starts with `sentns-<pid>-`, the pid of the process that made it, so a test can
 * clean up what an earlier run left behind (its process is gone) without touching a run that
 * is still going. Needs root on Linux and `ip` (iproute2).
 *
 * @module
 */

const PREFIX = "sentns-";

/** Runs `ip` with `args`; throws with its output when it fails. */
async function ip(args: string[]): Promise<string> {
  const output = await new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(`ip ${args.join(" ")}: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
  return text;
}

/** Why namespaces cannot be made here, or undefined when they can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return `needs Linux (this is ${Deno.build.os})`;
  if (Deno.uid() !== 0) return "needs root (network namespaces)";
  try {
    await ip(["netns", "list"]);
  } catch (error) {
    return `\`ip netns\` does not work: ${(error as Error).message}`;
  }
  return undefined;
}

/** Namespace names `ip netns list` shows. */
async function namespaces(): Promise<string[]> {
  return (await ip(["netns", "list"])).split("\n").map((line) => line.split(" ")[0])
    .filter(Boolean);
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

/** Deletes a namespace after killing whatever still runs in it. */
async function removeNamespace(name: string): Promise<void> {
  const pids = (await ip(["netns", "pids", name]).catch(() => "")).split("\n").filter(Boolean);
  for (const pid of pids) {
    try {
      Deno.kill(Number(pid), "SIGKILL");
    } catch {
      // Ended meanwhile.
    }
  }
  await ip(["netns", "delete", name]).catch(() => {});
}

/**
 * Removes the namespaces of earlier runs whose process has ended (a run killed before its
 * teardown). Returns their names.
 */
export async function removeLeftoverNamespaces(): Promise<string[]> {
  const leftovers = (await namespaces()).filter((name) => {
    const match = /^sentns-(\d+)-/.exec(name);
    return match !== null && !alive(Number(match[1]));
  });
  for (const name of leftovers) await removeNamespace(name);
  return leftovers;
}

/** One made-up host. */
export interface TestHost {
  /** Its role, as given. */
  role: string;
  /** The namespace's name. */
  namespace: string;
  /** Its address on the test network. */
  address: string;
  /** The prefix that runs a command inside it. */
  exec: string[];
}

/** Hosts made by {@link createTestNetwork}. */
export interface TestNetwork {
  /** The /24 the hosts share, e.g. 169.254.77.0/24. */
  subnet: string;
  hosts: Record<string, TestHost>;
  /** Namespace names, the hub's included. */
  namespaces: string[];
  /** Kills what still runs in the namespaces and deletes them. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Makes one namespace per role (addresses .10, .11, … in `169.254.<third>.0/24`) joined by a
 * bridge in a hub namespace. On failure, what was made is removed again.
 */
export async function createTestNetwork(
  roles: string[],
  third = 77,
): Promise<TestNetwork> {
  const base = `${PREFIX}${Deno.pid}-`;
  const hub = `${base}hub`;
  const made: string[] = [];
  const dispose = async () => {
    for (const name of [...made].reverse()) await removeNamespace(name);
  };
  try {
    await ip(["netns", "add", hub]);
    made.push(hub);
    await ip(["-n", hub, "link", "add", "br0", "type", "bridge"]);
    await ip(["-n", hub, "link", "set", "br0", "up"]);
    const hosts: Record<string, TestHost> = {};
    for (const [i, role] of roles.entries()) {
      const namespace = `${base}${role}`;
      await ip(["netns", "add", namespace]);
      made.push(namespace);
      const address = `169.254.${third}.${10 + i}`;
      const hubSide = `v${i}`;
      // Made inside the hub, so that no interface ever appears in the machine's namespace.
      await ip([
        "-n",
        hub,
        "link",
        "add",
        hubSide,
        "type",
        "veth",
        "peer",
        "name",
        "eth0",
        "netns",
        namespace,
      ]);
      await ip(["-n", hub, "link", "set", hubSide, "master", "br0"]);
      await ip(["-n", hub, "link", "set", hubSide, "up"]);
      await ip(["-n", namespace, "link", "set", "lo", "up"]);
      await ip(["-n", namespace, "addr", "add", `${address}/24`, "dev", "eth0"]);
      await ip(["-n", namespace, "link", "set", "eth0", "up"]);
      hosts[role] = { role, namespace, address, exec: ["ip", "netns", "exec", namespace] };
    }
    return {
      subnet: `169.254.${third}.0/24`,
      hosts,
      namespaces: [...made],
      [Symbol.asyncDispose]: dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The routes of a namespace (`ip route` inside it), one a line. */
export async function routesIn(namespace: string): Promise<string[]> {
  return (await ip(["-n", namespace, "route", "show"])).split("\n").filter(Boolean);
}

/** The IPv4 addresses of the machine's own namespace. */
export async function rootAddresses(): Promise<string[]> {
  return (await ip(["-o", "-4", "addr", "show"])).split("\n").filter(Boolean)
    .map((line) => line.split(/\s+/)[3]);
}
