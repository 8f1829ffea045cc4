/**
 * The api's `/metrics`: what the hub, the sequencer and the processed-comments consumer already
 * count, read at scrape time, so the stream's hot path does no extra work.
 *
 * @module
 */
import {
  counterFrom,
  createRegistry,
  gaugeFrom,
  metricsResponse,
  type Registry,
} from "@sentiment/kit/metrics";
import type { HeapKeeperStats } from "./heap_keeper.ts";
import type { SequencerStats } from "./sequencer.ts";
import type { StreamHubStats } from "./stream_hub.ts";

/** Where the numbers come from (the running hub, sequencer and consumer, or fakes). */
export interface ApiMetricSources {
  hub: () => StreamHubStats;
  sequencer: () => SequencerStats;
  consumer: () => { received: number; invalid: number };
  /** Requests refused for a missing or wrong token. */
  unauthorized: () => number;
  /** The heap keeper's collections (absent: not counted). */
  heap?: () => HeapKeeperStats;
}

/** Registers the api's metrics over `sources`. */
export function createApiMetrics(sources: ApiMetricSources): Registry {
  const registry = createRegistry("api");
  const counters: [string, string, () => number][] = [
    [
      "api_comments_received_total",
      "Messages read from processed-comments.",
      () => sources.consumer().received,
    ],
    [
      "api_comments_invalid_total",
      "Messages of processed-comments that failed the schema and were skipped.",
      () => sources.consumer().invalid,
    ],
    [
      "api_comments_delivered_total",
      "Comments handed to the stream in seq order.",
      () => sources.sequencer().delivered,
    ],
    [
      "api_duplicates_dropped_total",
      "Repeated comments (at-least-once redelivery) dropped by commentId.",
      () => sources.sequencer().repeatsDropped,
    ],
    [
      "api_stream_gaps_declared_absent_total",
      "Missing seqs given up on after the gap timeout.",
      () => sources.sequencer().gapsDeclaredAbsent,
    ],
    [
      "api_sse_events_sent_total",
      "Comment events written to SSE clients (live and backfill).",
      () => sources.hub().eventsSent,
    ],
    [
      "api_sse_clients_closed_for_overflow_total",
      "SSE clients disconnected because they read too slowly.",
      () => sources.hub().closedForOverflow,
    ],
    [
      "api_sse_clients_closed_for_stall_total",
      "SSE clients disconnected because their socket took no data for API_SSE_STALL_TIMEOUT_MS.",
      () => sources.hub().closedForStall,
    ],
    [
      "api_sse_refused_full_total",
      "SSE connections refused because API_SSE_MAX_CLIENTS streams were open.",
      () => sources.hub().refusedFull,
    ],
    [
      "api_sse_refused_per_address_total",
      "SSE connections refused because their address held API_SSE_MAX_CLIENTS_PER_ADDRESS.",
      () => sources.hub().refusedPerAddress,
    ],
    [
      "api_unauthorized_requests_total",
      "Requests refused with 401 (API_TOKEN missing or wrong).",
      sources.unauthorized,
    ],
  ];
  if (sources.heap) {
    const heap = sources.heap;
    counters.push(
      [
        "api_heap_collections_total",
        "Full garbage collections run because the heap had doubled (see heap_keeper.ts).",
        () => heap().collections,
      ],
      [
        "api_heap_collection_pause_seconds_total",
        "Time spent in those collections.",
        () => heap().pauseMs / 1000,
      ],
    );
  }
  for (const [name, help, read] of counters) counterFrom(registry, name, help, read);
  gaugeFrom(registry, "api_sse_clients", "SSE clients connected.", () => sources.hub().clients);
  gaugeFrom(
    registry,
    "api_sse_clients_live",
    "SSE clients caught up and receiving live events.",
    () => sources.hub().live,
  );
  gaugeFrom(
    registry,
    "api_sse_queued_bytes",
    "Bytes queued for all SSE clients.",
    () => sources.hub().queuedBytes,
  );
  gaugeFrom(
    registry,
    "api_sse_addresses",
    "Client addresses holding at least one SSE stream.",
    () => sources.hub().addresses,
  );
  // Memory, split as V8 sees it, to tell a heap leak from buffers outside it.
  const memory: [string, string, keyof Deno.MemoryUsage][] = [
    ["api_process_resident_memory_bytes", "Resident memory of the process.", "rss"],
    ["api_process_heap_used_bytes", "V8 heap in use.", "heapUsed"],
    ["api_process_heap_total_bytes", "V8 heap reserved.", "heapTotal"],
    ["api_process_external_bytes", "Memory of objects outside the V8 heap (buffers).", "external"],
  ];
  for (const [name, help, field] of memory) {
    gaugeFrom(registry, name, help, () => Deno.memoryUsage()[field]);
  }
  gaugeFrom(
    registry,
    "api_stream_pending",
    "Comments held waiting for a lower seq.",
    () => sources.sequencer().pending,
  );
  gaugeFrom(
    registry,
    "api_stream_watermark",
    "Highest seq delivered in order.",
    () => sources.sequencer().watermark,
  );
  return registry;
}

/** The `/metrics` route handler. */
export function metricsHandler(registry: Registry): (request: Request) => Promise<Response> {
  return (request) => metricsResponse(registry, request.method);
}
