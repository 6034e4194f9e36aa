/** What the bench reads off one server process at a phase boundary. */
export interface NodeSample {
  readonly id: string;
  readonly up: boolean;
  readonly isLeader: boolean;
  /** Counter: leader changes this member has seen since it started. */
  readonly leaderChangesSeen: number;
  /** Counter: durable commits of its log (Blixard: SQLite COMMITs with synchronous=FULL; etcd: WAL fsyncs). */
  readonly logFsyncs: number;
  /** Counter: seconds spent in those commits (histogram sum). */
  readonly logFsyncSeconds: number;
  /** User + system CPU the process used so far, ms. */
  readonly cpuMs: number;
}

export interface ClusterSample {
  readonly nodes: readonly NodeSample[];
}

/** A 3-node cluster under test: started and stopped by the bench, sampled between phases. */
export interface BenchCluster {
  readonly system: "blixard" | "etcd";
  /** What the load worker is given to connect with. */
  endpoints(): Promise<string[]>;
  sample(): Promise<ClusterSample>;
  /** A few lines on what this cluster is (versions, durability settings) for the output. */
  readonly description: string;
  stop(): Promise<void>;
  /** The last output of each process, for an error report. */
  describe(): string;
}

export function leaderOf(sample: ClusterSample): NodeSample | undefined {
  return sample.nodes.find((n) => n.isLeader);
}

/** Leader changes between two samples: the most any one member saw (each member counts every change it sees). */
export function leaderChangesBetween(before: ClusterSample, after: ClusterSample): number {
  let most = 0;
  for (const node of after.nodes) {
    const earlier = before.nodes.find((n) => n.id === node.id);
    if (earlier !== undefined && node.up && earlier.up) most = Math.max(most, node.leaderChangesSeen - earlier.leaderChangesSeen);
  }
  return most;
}

/** Per-node deltas of the fsync and CPU counters between two samples. */
export function nodeDeltas(before: ClusterSample, after: ClusterSample): Array<{ id: string; isLeader: boolean; fsyncs: number; fsyncMs: number; cpuMs: number }> {
  return after.nodes.map((node) => {
    const earlier = before.nodes.find((n) => n.id === node.id);
    return {
      id: node.id, isLeader: node.isLeader, fsyncs: node.logFsyncs - (earlier?.logFsyncs ?? 0),
      fsyncMs: (node.logFsyncSeconds - (earlier?.logFsyncSeconds ?? 0)) * 1000, cpuMs: node.cpuMs - (earlier?.cpuMs ?? 0),
    };
  });
}
