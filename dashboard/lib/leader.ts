/**
 * One tab streams, the others follow. Every tab reads the same localStorage collection and
 * sees the leader's writes through storage events; if every tab wrote, two tabs could
 * read-modify-write the snapshot at once and drop each other's rows. The leader holds a Web
 * Lock for its lifetime; when it closes, a waiting tab takes over. The leader's status
 * (connection, counters) is shared over a BroadcastChannel.
 *
 * @module
 */
import type { StatusStore, SyncStatus } from "./status.ts";

const LOCK_NAME = "sentiment-dashboard/stream";
const CHANNEL_NAME = "sentiment-dashboard/status";

type Message = { type: "hello" } | { type: "status"; status: SyncStatus };

/**
 * Runs `lead` once this tab becomes the leader (immediately without Web Locks support).
 * Meanwhile mirrors the leader's status into `status` with role "follower".
 */
export function electLeader(status: StatusStore, lead: () => void): void {
  const channel = typeof BroadcastChannel === "function"
    ? new BroadcastChannel(CHANNEL_NAME)
    : null;
  let leading = false;
  channel?.addEventListener("message", (event: MessageEvent<Message>) => {
    const message = event.data;
    if (leading && message.type === "hello") {
      channel.postMessage({ type: "status", status: status.get() } satisfies Message);
    } else if (!leading && message.type === "status") {
      const own = status.get();
      status.set({ ...message.status, role: "follower", limit: own.limit });
    }
  });
  const becomeLeader = () => {
    leading = true;
    status.update({ role: "leader" });
    status.subscribe((value) => channel?.postMessage({ type: "status", status: value }));
    lead();
  };
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  if (!locks) {
    becomeLeader();
    return;
  }
  status.update({ role: "follower" });
  channel?.postMessage({ type: "hello" } satisfies Message);
  // The lock is held until the tab goes away: the callback's promise never settles.
  void locks.request(LOCK_NAME, () => {
    becomeLeader();
    return new Promise<never>(() => {});
  });
}
