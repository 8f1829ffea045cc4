/**
 * The current time for a component that shows a countdown, ticking every `everyMs` while
 * `active` (and not at all otherwise, so a live page renders nothing extra).
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";

/** Epoch ms, refreshed every `everyMs` while `active`. */
export function useNow(active: boolean, everyMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [active, everyMs]);
  return now;
}
