/**
 * `deno task logs [service]`: follows the log files with a service prefix, like
 * `docker compose logs -f`.
 *
 * @module
 */
import { basename, join } from "node:path";

const COLOURS = [36, 32, 33, 35, 34, 31, 96, 92];

export async function followLogs(logDir: string, only?: string, history = 20): Promise<void> {
  const offsets = new Map<string, number>();
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(logDir)) {
      if (entry.isFile && entry.name.endsWith(".log")) names.push(basename(entry.name, ".log"));
    }
  } catch {
    // No log folder yet: reported below.
  }
  const chosen = names.filter((name) => only === undefined || name === only).sort();
  if (chosen.length === 0) {
    console.error(
      only
        ? `no log for "${only}" in ${logDir} (have: ${names.join(", ")})`
        : `no logs in ${logDir}`,
    );
    return;
  }
  const width = Math.max(...chosen.map((name) => name.length));
  const prefix = (name: string) => {
    const colour = COLOURS[chosen.indexOf(name) % COLOURS.length];
    const label = name.padEnd(width);
    return Deno.stdout.isTerminal() ? `\x1b[${colour}m${label} |\x1b[0m ` : `${label} | `;
  };
  for (const name of chosen) {
    const text = await Deno.readTextFile(join(logDir, `${name}.log`)).catch(() => "");
    for (const line of text.trimEnd().split("\n").slice(-history)) {
      if (line) console.log(prefix(name) + line);
    }
    offsets.set(name, new TextEncoder().encode(text).length);
  }
  while (true) {
    for (const name of chosen) {
      const file = join(logDir, `${name}.log`);
      const size = await Deno.stat(file).then((info) => info.size, () => 0);
      let offset = offsets.get(name) ?? 0;
      if (size < offset) offset = 0; // truncated or replaced
      if (size === offset) continue;
      const handle = await Deno.open(file);
      await handle.seek(offset, Deno.SeekMode.Start);
      const buffer = new Uint8Array(size - offset);
      let read = 0;
      while (read < buffer.length) {
        const n = await handle.read(buffer.subarray(read));
        if (n === null) break;
        read += n;
      }
      handle.close();
      const text = new TextDecoder().decode(buffer.subarray(0, read));
      const complete = text.lastIndexOf("\n") + 1;
      for (const line of text.slice(0, complete).split("\n")) {
        if (line) console.log(prefix(name) + line);
      }
      offsets.set(name, offset + new TextEncoder().encode(text.slice(0, complete)).length);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
