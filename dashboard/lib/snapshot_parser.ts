/**
 * The JSON parser the comments collection gives its localStorage adapter, so that a write costs
 * what changed rather than everything stored.
 *
 * The adapter keeps the whole collection under one key as `{ "<key>": { versionKey, data } }`
 * and, with plain JSON, each write parses that text back, stringifies every row again and then
 * parses its own output (≈ 45 ms of a 95 ms write at 5 000 rows, plus the garbage). This parser
 * writes the same text and reads the same values, but
 * - remembers the text of each stored item (items are never changed in place: a write stores a
 *   new item object), so only new items are stringified;
 * - answers a parse of the text it last wrote or read with the value it came from, so reading
 *   back the snapshot just written, or the unchanged stored one, is free.
 * Any other text (another tab's write, a single row) goes through JSON as usual.
 *
 * @module
 */

/** The parser shape `localStorageCollectionOptions` accepts. */
export interface SnapshotParser {
  parse(text: string): unknown;
  stringify(value: unknown): string;
}

interface StoredItem {
  versionKey: string;
  data: object;
}

/** Creates a parser with its own caches (one per collection). */
export function createSnapshotParser(): SnapshotParser {
  const itemText = new WeakMap<object, string>();
  let lastText: string | null = null;
  let lastValue: unknown = undefined;
  const remember = (text: string, value: unknown) => {
    lastText = text;
    lastValue = value;
  };
  return {
    stringify(value: unknown): string {
      if (!isSnapshot(value)) return JSON.stringify(value);
      const parts: string[] = [];
      for (const key in value) {
        const item = value[key];
        // An item is stored under one key for its whole life, so the entry's text is kept.
        let entry = itemText.get(item);
        if (entry === undefined) {
          entry = `${JSON.stringify(key)}:${JSON.stringify(item)}`;
          itemText.set(item, entry);
        }
        parts.push(entry);
      }
      const text = `{${parts.join(",")}}`;
      remember(text, value);
      return text;
    },
    parse(text: string): unknown {
      // The same string object compares at once; an equal copy (getItem) in one pass.
      if (text === lastText) return lastValue;
      const value = JSON.parse(text);
      if (isSnapshot(value)) remember(text, value);
      return value;
    },
  };
}

/** Whether a value has the adapter's snapshot shape (and is not, say, a single row). */
function isSnapshot(value: unknown): value is Record<string, StoredItem> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    return typeof item === "object" && item !== null && "versionKey" in item && "data" in item;
  }
  return true;
}
