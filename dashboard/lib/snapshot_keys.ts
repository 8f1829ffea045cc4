/**
 * Housekeeping of the comments in localStorage before the collection reads them: keys of other
 * shapes are removed (they would only take up the quota). Kept are this shape's keys (its
 * manifest and segments, under `<current>/`) and the single-key snapshots of earlier versions
 * that are still readable, which the collection moves into segments when it loads (see
 * segmented_storage.ts). Never throws.
 *
 * @module
 */
import type { KeyedStorage } from "./segmented_storage.ts";

export type { KeyedStorage };

/** Options of {@link removeOtherShapes}. */
export interface SnapshotKeys {
  /** The name of this shape: its keys start with `<current>/`. */
  current: string;
  /** Every key starting with this belongs to the comments of some shape. */
  prefix: string;
  /** Earlier single-key snapshots this shape reads (and moves into segments). */
  readable: readonly string[];
}

/** Removes comments of other shapes; returns the keys removed. */
export function removeOtherShapes(storage: KeyedStorage, keys: SnapshotKeys): string[] {
  const removed: string[] = [];
  try {
    for (let i = storage.length - 1; i >= 0; i--) {
      const key = storage.key(i);
      if (!key?.startsWith(keys.prefix)) continue;
      if (key.startsWith(`${keys.current}/`) || keys.readable.includes(key)) continue;
      storage.removeItem(key);
      removed.push(key);
    }
  } catch (error) {
    // Storage that refuses to be read or written (privacy settings) leaves an empty collection.
    console.warn("the stored comments could not be looked over", error);
  }
  return removed;
}
