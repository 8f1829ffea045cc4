/**
 * What Linux's /proc says about a process: its start time, state, command line, environment,
 * and the listening sockets it holds. This is how infra tells one process from another with
 * the same pid (start time), and the service it started from anything else answering its port
 * (the socket's inode among the process's file descriptors).
 *
 * Deno lets a program read /proc only when it holds every permission; the infra permission set
 * does (`"all": true`), which adds nothing real to its `run: true`.
 *
 * @module
 */

/** The fields of /proc/<pid>/stat that infra uses. */
export interface ProcessStat {
  pid: number;
  /** The executable's name as the kernel keeps it (at most 15 characters). */
  comm: string;
  /** R, S, D, Z (zombie), T, X (dead), … */
  state: string;
  ppid: number;
  session: number;
  /** Field 22: when the process started, in clock ticks since boot. Fixed for its life. */
  startTime: number;
}

/** A living process: its stat fields and its arguments. */
export interface ProcessInfo extends ProcessStat {
  argv: string[];
}

/**
 * Parses a /proc/<pid>/stat line. The command name (field 2) sits in parentheses and may hold
 * spaces and parentheses itself, so the fields are counted from the last ")".
 */
export function parseStat(text: string): ProcessStat {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${text.slice(0, 80)}`);
  const pid = Number(text.slice(0, open).trim());
  // After ")" come fields 3 (state), 4 (ppid), 5 (pgrp), 6 (session), … 22 (starttime).
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const field = (n: number) => rest[n - 3];
  const numbers = [pid, Number(field(4)), Number(field(6)), Number(field(22))];
  if (rest.length < 20 || !numbers.every(Number.isInteger)) {
    throw new Error(`not a /proc stat line: ${text.slice(0, 80)}`);
  }
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: field(3),
    ppid: numbers[1],
    session: numbers[2],
    startTime: numbers[3],
  };
}

/** Splits a NUL-separated /proc list (cmdline, environ); the final NUL ends, not separates. */
export function parseNulList(bytes: Uint8Array): string[] {
  const text = new TextDecoder().decode(bytes);
  if (text === "") return [];
  const items = text.split("\0");
  if (items.at(-1) === "") items.pop();
  return items;
}

/** A socket in the LISTEN state, from /proc/net/tcp or tcp6. */
export interface TcpListener {
  /** The local address as the kernel writes it (hex). */
  address: string;
  port: number;
  inode: number;
}

const TCP_LISTEN = "0A";

/** The listening sockets in a /proc/net/tcp (or tcp6) table. */
export function parseNetTcp(text: string): TcpListener[] {
  const listeners: TcpListener[] = [];
  for (const line of text.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== TCP_LISTEN) continue;
    const [address, portHex] = fields[1].split(":");
    const port = parseInt(portHex, 16);
    const inode = Number(fields[9]);
    if (Number.isInteger(port) && Number.isInteger(inode) && inode > 0) {
      listeners.push({ address, port, inode });
    }
  }
  return listeners;
}

/** The socket inode a /proc/<pid>/fd link names (`socket:[123]`), or undefined. */
export function socketInode(link: string): number | undefined {
  const match = /^socket:\[(\d+)\]$/.exec(link);
  return match ? Number(match[1]) : undefined;
}

async function readBytes(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    // Without every permission Deno refuses /proc: say so instead of seeing no processes.
    if (error instanceof Deno.errors.NotCapable) throw error;
    // Gone, ending while read (ESRCH), or another user's: nothing infra can act on.
    return undefined;
  }
}

/**
 * The process with this pid, or undefined when there is none or it has ended (a zombie, whose
 * parent has not collected it yet, is not running any more).
 */
export async function readProcess(pid: number): Promise<ProcessInfo | undefined> {
  const stat = await readBytes(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const parsed = parseStat(new TextDecoder().decode(stat));
  if (parsed.state === "Z" || parsed.state === "X") return undefined;
  const cmdline = await readBytes(`/proc/${pid}/cmdline`);
  if (!cmdline) return undefined;
  return { ...parsed, argv: parseNulList(cmdline) };
}

/** Every pid in /proc. */
export async function listPids(): Promise<number[]> {
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (/^\d+$/.test(entry.name)) pids.push(Number(entry.name));
  }
  return pids;
}

/** The value of one variable in a process's environment (as it was at exec). */
export async function readEnvironVariable(
  pid: number,
  name: string,
): Promise<string | undefined> {
  const bytes = await readBytes(`/proc/${pid}/environ`);
  if (!bytes) return undefined;
  const prefix = `${name}=`;
  return parseNulList(bytes).find((item) => item.startsWith(prefix))?.slice(prefix.length);
}

/** Inodes of the sockets listening on `port` (any local address, IPv4 or IPv6). */
export async function listeningInodes(port: number): Promise<Set<number>> {
  const inodes = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const bytes = await readBytes(table);
    if (!bytes) continue;
    for (const listener of parseNetTcp(new TextDecoder().decode(bytes))) {
      if (listener.port === port) inodes.add(listener.inode);
    }
  }
  return inodes;
}

/** Inodes of the sockets among a process's open file descriptors. */
export async function socketInodesOf(pid: number): Promise<Set<number>> {
  const inodes = new Set<number>();
  try {
    for await (const entry of Deno.readDir(`/proc/${pid}/fd`)) {
      const link = await Deno.readLink(`/proc/${pid}/fd/${entry.name}`).catch(() => "");
      const inode = socketInode(link);
      if (inode !== undefined) inodes.add(inode);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    // The process ended, or is not ours to look into: it holds nothing we can see.
  }
  return inodes;
}

/** Whether the process `pid` holds a socket listening on `port`. */
export async function listensOn(pid: number, port: number): Promise<boolean> {
  const listening = await listeningInodes(port);
  if (listening.size === 0) return false;
  for (const inode of await socketInodesOf(pid)) if (listening.has(inode)) return true;
  return false;
}

/** The processes holding a socket listening on `port` (for messages; scans every process). */
export async function listenerPids(port: number): Promise<number[]> {
  const listening = await listeningInodes(port);
  if (listening.size === 0) return [];
  const holders: number[] = [];
  for (const pid of await listPids()) {
    for (const inode of await socketInodesOf(pid)) {
      if (listening.has(inode)) {
        holders.push(pid);
        break;
      }
    }
  }
  return holders;
}

/** Clock ticks per second of /proc times (USER_HZ, 100 on every Linux architecture in use). */
export const CLOCK_TICKS_PER_SECOND = 100;

/** Wall-clock time (ms since the epoch) of a start time in ticks since boot. */
export async function startTimeToEpochMs(startTime: number): Promise<number> {
  const stat = new TextDecoder().decode(await Deno.readFile("/proc/stat"));
  const bootSeconds = Number(/^btime (\d+)$/m.exec(stat)?.[1]);
  if (!Number.isFinite(bootSeconds)) throw new Error("/proc/stat has no btime line");
  return bootSeconds * 1000 + (startTime / CLOCK_TICKS_PER_SECOND) * 1000;
}
