/**
 * The side file of true classes: one JSON line per published message, so a run can be scored
 * against the classifier without the class ever travelling in a message.
 *
 * @module
 */
import type { Tag } from "@sentiment/contracts/messages";

/** One line of the truth file. */
export interface TruthRecord {
  commentId: string;
  trueTag: Tag;
  duplicate: boolean;
}

/** Buffered writer of truth records. */
export interface TruthWriter {
  write(record: TruthRecord): Promise<void>;
  /** Writes what is buffered and closes the file. */
  close(): Promise<void>;
}

const FLUSH_LINES = 512;

/** Opens (truncating) `path` for truth records. */
export async function openTruthFile(path: string): Promise<TruthWriter> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  let pending: string[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const bytes = encoder.encode(pending.join(""));
    pending = [];
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
  };
  return {
    async write(record) {
      pending.push(`${JSON.stringify(record)}\n`);
      if (pending.length >= FLUSH_LINES) await flush();
    },
    async close() {
      await flush();
      file.close();
    },
  };
}
