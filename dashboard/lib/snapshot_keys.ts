/**
 * Housekeeping of the comments snapshot in localStorage before the collection reads it: a
 * snapshot of an earlier shape that is still readable is moved to the current key (a returning
 * visitor keeps their comments across an upgrade), other shapes are removed (they would only
 * take up the quota), and a current snapshot that is not a JSON object is removed (the
 * collection could not start with it). Never throws.
 *
 * @module
 */

/** The part of localStorage this needs. */
export interface KeyedStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** What {@link prepareSnapshot} did, for the console. */
export interface SnapshotHousekeeping {
  /** The earlier key whose snapshot now is the current one. */
  movedFrom?: string;
  /** Keys of other shapes removed. */
  removed: string[];
  /** The snapshot under the current key was not readable and was removed. */
  unreadable: boolean;
}

/** Options of {@link prepareSnapshot}. */
export interface SnapshotKeys {
  /** Where this shape is kept. */
  current: string;
  /** Every key starting with this is a snapshot of some shape. */
  prefix: string;
  /** Earlier keys whose snapshots this shape reads as they are, newest first. */
  readable: readonly string[];
}

/** Prepares the snapshot under `keys.current` (see the module doc). */
export function prepareSnapshot(storage: KeyedStorage, keys: SnapshotKeys): SnapshotHousekeeping {
  const report: SnapshotHousekeeping = { removed: [], unreadable: false };
  try {
    if (storage.getItem(keys.current) === null) {
      for (const key of keys.readable) {
        const value = storage.getItem(key);
        if (value === null || !isSnapshotText(value)) continue;
        // Removed first, so the copy fits in the quota the old one used.
        storage.removeItem(key);
        storage.setItem(keys.current, value);
        report.movedFrom = key;
        break;
      }
    }
    for (let i = storage.length - 1; i >= 0; i--) {
      const key = storage.key(i);
      if (key?.startsWith(keys.prefix) && key !== keys.current) {
        storage.removeItem(key);
        report.removed.push(key);
      }
    }
    const value = storage.getItem(keys.current);
    if (value !== null && !isSnapshotText(value)) {
      storage.removeItem(keys.current);
      report.unreadable = true;
    }
  } catch (error) {
    // Storage that refuses to be read or written (privacy settings) leaves an empty collection.
    console.warn("the comments snapshot could not be prepared", error);
  }
  return report;
}

/** Whether text is a JSON object, the only shape of snapshot the collection can start from. */
function isSnapshotText(text: string): boolean {
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
