/**
 * A check kafkajs needs: that a send wrote every partition its messages went to.
 *
 * kafkajs 2.2.4 can resolve `producer.send` without writing some partitions. A send goes to
 * each partition's leader; when one request fails (its broker died) the retry recomputes the
 * leaders but sends only to brokers that have not answered yet (src/producer/sendMessages.js).
 * A partition whose leadership moved to a broker that already answered for its own partitions
 * is then never sent, and the send succeeds. With a three-node cluster and kill -9 of a leader
 * that lost 162 of 50 000 acknowledged comments (e2e/cluster_failover_test.ts) before this check.
 *
 * So the partitioner records where each message goes, and a send whose answer lacks one of
 * those partitions counts as failed: the publisher sends the batch again.
 *
 * @module
 */
import { type ICustomPartitioner, Partitioners } from "kafkajs";

/** The default partitioner, noting every partition it hands out into `targeted`. */
export function recordingPartitioner(targeted: Set<number>): ICustomPartitioner {
  return () => {
    const partition = Partitioners.DefaultPartitioner();
    return (args) => {
      const chosen = partition(args);
      targeted.add(chosen);
      return chosen;
    };
  };
}

/** The partitions messages went to that the broker's answer does not name. */
export function unansweredPartitions(
  targeted: ReadonlySet<number>,
  answered: readonly { partition: number }[],
): number[] {
  const written = new Set(answered.map((record) => record.partition));
  return [...targeted].filter((partition) => !written.has(partition)).sort((a, b) => a - b);
}

/** A send that resolved without writing every partition; sent again like any failed request. */
export class PartitionsNotWrittenError extends Error {
  constructor(readonly partitions: number[]) {
    super(`the send resolved without writing partition(s) ${partitions.join(", ")}`);
    this.name = "PartitionsNotWrittenError";
  }
}
