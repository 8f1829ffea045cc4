/**
 * The comments' storage layout, in memory: rows split into segments of at most `capacity` rows,
 * oldest segment first, and the plan of a write that rewrites only the segments it touches.
 *
 * A write never changes a stored segment: every segment it touches (rows deleted from it, rows
 * appended to it, merged with a neighbour) is written afresh under a new id, and only then does
 * the manifest name the new ids instead of the old ones. So the manifest always names a
 * complete, consistent set, whatever moment a write is interrupted at (see
 * segmented_storage.ts). New rows are appended to the newest segment and eviction removes the
 * oldest rows, so a write at a steady rate touches the two ends: the newest segment (rows
 * appended) and the oldest (rows evicted), each at most `capacity` rows.
 *
 * @module
 */

/** A segment: its id (part of its storage key) and its rows by key, in insertion order. */
export interface Segment<T> {
  readonly id: number;
  readonly rows: ReadonlyMap<string, T>;
}

/** Every stored row, in segments; `next` is the id the next new segment gets. */
export interface Layout<T> {
  readonly segments: readonly Segment<T>[];
  readonly next: number;
  /** The segment that holds each key. */
  readonly where: ReadonlyMap<string, Segment<T>>;
}

/** What a write stores: the layout after it, the segments to write, the ids no longer named. */
export interface WritePlan<T> {
  readonly layout: Layout<T>;
  /** Segments of the new layout that are not stored yet, oldest first. */
  readonly written: readonly Segment<T>[];
  /** Ids of the old layout's segments the new one does not name (removed after the write). */
  readonly dropped: readonly number[];
}

/** A layout with no rows. */
export function emptyLayout<T>(next = 1): Layout<T> {
  return { segments: [], next, where: new Map() };
}

/** A layout of stored segments as read back (each key in one segment: the loader checks it). */
export function layoutOf<T>(segments: readonly Segment<T>[], next: number): Layout<T> {
  const where = new Map<string, Segment<T>>();
  for (const segment of segments) for (const key of segment.rows.keys()) where.set(key, segment);
  const highest = segments.reduce((max, segment) => Math.max(max, segment.id), 0);
  return { segments, next: Math.max(next, highest + 1), where };
}

/** A segment being planned: rows copied on the first change, a new id if it changed. */
interface Draft<T> {
  from: Segment<T> | null;
  rows: Map<string, T> | ReadonlyMap<string, T>;
  changed: boolean;
}

function touch<T>(draft: Draft<T>): Map<string, T> {
  if (!draft.changed) {
    draft.rows = new Map(draft.rows);
    draft.changed = true;
  }
  return draft.rows as Map<string, T>;
}

/**
 * Plans a write: `deletes` leave their segments, `inserts` (in the order given) are appended to
 * the newest segment while it has room and then to new ones, empty segments are dropped, and
 * neighbours that fit in one segment together are merged, so that no two neighbours hold
 * `capacity` rows or fewer between them (the number of segments stays below
 * 2 × rows / capacity + 1 however small the writes are). An insert of a stored key replaces its
 * row. Does not change `layout`.
 */
export function planWrite<T>(
  layout: Layout<T>,
  inserts: ReadonlyMap<string, T>,
  deletes: Iterable<string>,
  capacity: number,
): WritePlan<T> {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`segment capacity ${capacity} must be a positive integer`);
  }
  const drafts: Draft<T>[] = layout.segments.map((segment) => ({
    from: segment,
    rows: segment.rows,
    changed: false,
  }));
  const draftOf = new Map<Segment<T>, Draft<T>>();
  for (const draft of drafts) draftOf.set(draft.from!, draft);
  const remove = (key: string) => {
    const segment = layout.where.get(key);
    if (segment) touch(draftOf.get(segment)!).delete(key);
  };
  for (const key of deletes) remove(key);
  for (const key of inserts.keys()) remove(key);

  let tail = drafts.at(-1);
  for (const [key, row] of inserts) {
    if (!tail || tail.rows.size >= capacity) {
      tail = { from: null, rows: new Map(), changed: true };
      drafts.push(tail);
    }
    touch(tail).set(key, row);
  }

  const kept: Draft<T>[] = [];
  for (const draft of drafts) {
    if (draft.rows.size === 0) continue;
    const previous = kept.at(-1);
    if (previous && previous.rows.size + draft.rows.size <= capacity) {
      const rows = touch(previous);
      for (const [key, row] of draft.rows) rows.set(key, row);
      // The merged-in segment is no longer named; its rows are written with the previous one.
      draft.changed = true;
      continue;
    }
    kept.push(draft);
  }

  let next = layout.next;
  const segments: Segment<T>[] = [];
  const written: Segment<T>[] = [];
  for (const draft of kept) {
    if (!draft.changed && draft.from) {
      segments.push(draft.from);
      continue;
    }
    const segment: Segment<T> = { id: next++, rows: draft.rows };
    segments.push(segment);
    written.push(segment);
  }
  const named = new Set(segments.map((segment) => segment.id));
  const dropped = layout.segments.map((segment) => segment.id).filter((id) => !named.has(id));
  const where = new Map(layout.where);
  for (const key of deletes) where.delete(key);
  for (const segment of written) for (const key of segment.rows.keys()) where.set(key, segment);
  return { layout: { segments, next, where }, written, dropped };
}
