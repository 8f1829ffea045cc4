/**
 * Every island by the name the server marks it with. The browser bundle renders these into
 * the elements the server rendered them into.
 *
 * @module
 */
import type { ComponentType } from "preact";
import Diagnostics from "./Diagnostics.tsx";
import LiveFeed from "./LiveFeed.tsx";
import SentimentChart from "./SentimentChart.tsx";
import ServerTotals from "./ServerTotals.tsx";
import SourceShare from "./SourceShare.tsx";
import StatusBar from "./StatusBar.tsx";
import TagCards from "./TagCards.tsx";

// deno-lint-ignore no-explicit-any -- islands take different props; each gets its own back
export const ISLANDS: Record<string, ComponentType<any>> = {
  Diagnostics,
  LiveFeed,
  SentimentChart,
  ServerTotals,
  SourceShare,
  StatusBar,
  TagCards,
};
