/**
 * Reading and changing the comments a page has in localStorage, for the browser tests: the
 * manifest and the segments it names (lib/segmented_storage.ts).
 *
 * @module
 */
import type { Page } from "playwright-core";
import { DEFAULT_STORAGE_KEY } from "../lib/stored_comment.ts";

/**
 * An expression, evaluated in the page: the stored rows, oldest segment first, or null while the
 * manifest still names a segment that does not parse (one a test corrupted, until the next write
 * commits a manifest without it). Returning null instead of throwing keeps a polling wait waiting.
 */
export const storedRowsExpression = `(() => {
  const base = ${JSON.stringify(DEFAULT_STORAGE_KEY)};
  const parse = (text) => { try { return JSON.parse(text); } catch { return undefined; } };
  const manifest = parse(localStorage.getItem(base + "/manifest") ?? '{"segments":[]}');
  if (!Array.isArray(manifest?.segments)) return null;
  const rows = [];
  for (const [id] of manifest.segments) {
    const segment = parse(localStorage.getItem(base + "/segment/" + id) ?? "[]");
    if (!Array.isArray(segment)) return null;
    rows.push(...segment);
  }
  return rows;
})()`;

/** An expression: localStorage holds `n` comments, every segment the manifest names readable. */
export function persistedCountIs(n: number): string {
  return `${storedRowsExpression}?.length === ${n}`;
}

/** The commentIds in the page's localStorage (with repeats, if there were any). */
export async function persistedIds(page: Page): Promise<string[]> {
  const ids = await page.evaluate<string[] | null>(
    `${storedRowsExpression}?.map((row) => row.commentId) ?? null`,
  );
  if (ids === null) throw new Error("localStorage's manifest names a segment that does not parse");
  return ids;
}

/** The localStorage keys of the stored comments (manifest and segments). */
export function storedKeys(page: Page): Promise<string[]> {
  return page.evaluate(
    (base) => Object.keys(localStorage).filter((key) => key.startsWith(`${base}/`)).sort(),
    DEFAULT_STORAGE_KEY,
  );
}

/**
 * Stores one more row the way a write does (a new segment, then the manifest naming it): a copy
 * of the first stored row with `overrides`.
 */
export function injectStoredRow(
  page: Page,
  overrides: { commentId: string; seq: number },
): Promise<void> {
  return page.evaluate(([base, overrides]) => {
    const manifest = JSON.parse(localStorage.getItem(`${base}/manifest`)!) as {
      next: number;
      segments: [number, number, number][];
    };
    const [firstId] = manifest.segments[0];
    const [first] = JSON.parse(localStorage.getItem(`${base}/segment/${firstId}`)!);
    const text = JSON.stringify([{ ...first, ...(overrides as object) }]);
    const id = manifest.next++;
    localStorage.setItem(`${base}/segment/${id}`, text);
    manifest.segments.push([id, 1, text.length]);
    localStorage.setItem(`${base}/manifest`, JSON.stringify(manifest));
  }, [DEFAULT_STORAGE_KEY, overrides] as const);
}
