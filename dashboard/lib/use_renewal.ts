/**
 * A counter for live queries that are cheaper to rebuild than to keep (see LiveFeed).
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";

/** The part of a collection the hook watches. */
export interface ChangeSource {
  subscribeChanges(
    callback: (changes: readonly { type: string }[]) => void,
  ): { unsubscribe(): void };
}

/**
 * A number that goes up each time `collection` has taken in `every` new rows, whichever tab
 * wrote them. A component passes it as a dependency of a query it wants rebuilt that often.
 */
export function useRenewal(collection: ChangeSource | null, every: number): number {
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (!collection) return;
    let inserted = 0;
    const subscription = collection.subscribeChanges((changes) => {
      for (const change of changes) if (change.type === "insert") inserted++;
      if (inserted < every) return;
      inserted = 0;
      setGeneration((n) => n + 1);
    });
    return () => subscription.unsubscribe();
  }, [collection, every]);
  return generation;
}
