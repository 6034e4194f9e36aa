import { BlixardNode, defaultNodeConfig, NODE_READ_MODES, type Entry, type NodeConfig, type NodeObserver, type NodeOptions } from "@blixard/core";
import type { Simulation } from "../simulation";
import { RaftSafetyChecker } from "./checkers/raft-safety";

/** Entries applied between snapshots, one drawn per run. */
const SNAPSHOT_THRESHOLDS = [64, 200, 1000] as const;
/** Entries kept below a snapshot: none (every lagging follower gets the snapshot), a few, about half a threshold. */
const SNAPSHOT_CATCH_UP_ENTRIES = [0, 8, 100] as const;

export interface BlixardClusterOptions {
  /** Overrides applied to every node's default config. */
  readonly nodeConfig?: Partial<Omit<NodeConfig, "nodeId" | "bootstrapVoters">>;
  /** Extra node options (services, modules) built per node incarnation. */
  readonly nodeOptions?: (nodeId: string) => Omit<NodeOptions, "observer">;
  /** Fixed clock drift per node (ppm), e.g. to exceed the stated bound on purpose; drawn by the simulator when undefined. */
  readonly driftPpm?: (nodeId: string) => number | undefined;
}

/**
 * A cluster of real Blixard nodes in the simulator: each boot (first start
 * and every restart) builds a fresh BlixardNode over the node's Runtime, so a
 * restarted node is rebuilt from its simulated disk alone. The Raft safety
 * checker watches every node and is polled after every event.
 */
export class BlixardCluster {
  readonly safety = new RaftSafetyChecker();
  private readonly failedStarts = new Map<string, string>();
  private readonly applyWatchers: ((nodeId: string, entry: Entry) => void)[] = [];
  private readonly observer: NodeObserver;
  private readonly snapshotThresholdEntries: number;
  private readonly snapshotCatchUpEntries: number;
  readonly readMode: NodeConfig["readMode"];
  private readonly allNodeIds: string[];
  /** Nodes that boot with an empty bootstrap config: added later, or wiped by an operator to be re-added. */
  private readonly joiners = new Set<string>();

  constructor(
    private readonly sim: Simulation,
    private readonly initialVoters: readonly string[],
    private readonly options: BlixardClusterOptions = {},
  ) {
    this.allNodeIds = [...initialVoters];
    // Swarm-drawn: small thresholds make compaction and InstallSnapshot to lagging followers routine.
    this.snapshotThresholdEntries = SNAPSHOT_THRESHOLDS[sim.streams.stream("cluster/snapshot-threshold").nextInt(0, SNAPSHOT_THRESHOLDS.length - 1)] ?? 1000;
    this.snapshotCatchUpEntries = SNAPSHOT_CATCH_UP_ENTRIES[sim.streams.stream("cluster/snapshot-catch-up").nextInt(0, SNAPSHOT_CATCH_UP_ENTRIES.length - 1)] ?? 0;
    // The read path is drawn per run (unless the options fix it): both are checked under every fault.
    this.readMode = options.nodeConfig?.readMode ?? NODE_READ_MODES[sim.streams.stream("cluster/read-mode").nextInt(0, NODE_READ_MODES.length - 1)] ?? "read-index";
    sim.traceWorld("cluster.config", `readMode=${this.readMode} snapshotThresholdEntries=${this.snapshotThresholdEntries} snapshotCatchUpEntries=${this.snapshotCatchUpEntries}`);
    const safety = this.safety;
    const watchers = this.applyWatchers;
    this.observer = {
      entriesPersisted: (id, entries, log) => safety.entriesPersisted(id, entries, log),
      snapshotInstalled: () => safety.snapshotInstalled(),
      entryApplied: (id, entry, digest) => {
        safety.entryApplied(id, entry, digest);
        for (const watch of watchers) watch(id, entry);
      },
      roleChanged: (id, role, term, leader, log) => safety.roleChanged(id, role, term, leader, log),
    };
    for (const id of initialVoters) {
      const driftPpm = options.driftPpm?.(id);
      sim.addNode(id, (runtime) => this.boot(id, runtime), driftPpm === undefined ? {} : { driftPpm });
    }
    sim.addInvariant("raft.safety", () => this.safety.firstViolation());
  }

  /** Every node of the cluster: the initial voters, then nodes added later, in order. */
  get nodeIds(): readonly string[] {
    return this.allNodeIds;
  }

  /**
   * Start a new node that joins an existing cluster: it boots with an EMPTY
   * bootstrap config (it must never form a cluster of its own) and learns the
   * configuration from the leader once it is added as a learner.
   */
  addJoiningNode(id: string): void {
    this.joiners.add(id);
    this.allNodeIds.push(id);
    const driftPpm = this.options.driftPpm?.(id);
    this.sim.addNode(id, (runtime) => this.boot(id, runtime), driftPpm === undefined ? {} : { driftPpm });
  }

  /** From its next boot on, `id` starts as a joiner (empty bootstrap config): its disk was wiped to be re-added. */
  markJoiner(id: string): void {
    this.joiners.add(id);
  }

  /** Called after any node applies an entry (checkers that inspect replicated state). */
  onApplied(watch: (nodeId: string, entry: Entry) => void): void {
    this.applyWatchers.push(watch);
  }

  node(id: string): BlixardNode | undefined {
    return this.sim.status(id) === "up" ? this.sim.instance<BlixardNode>(id) : undefined;
  }

  /** Nodes that refused to start because their storage was corrupt, with the reason. */
  refusedNodes(): ReadonlyMap<string, string> {
    return this.failedStarts;
  }

  leaders(): { id: string; term: number }[] {
    const out: { id: string; term: number }[] = [];
    for (const id of this.nodeIds) {
      const status = this.node(id)?.raftStatus();
      if (status?.role === "leader") out.push({ id, term: status.term });
    }
    return out;
  }

  private boot(id: string, runtime: Parameters<Parameters<Simulation["addNode"]>[1]>[0]): BlixardNode {
    const config: NodeConfig = { ...defaultNodeConfig(id, this.joiners.has(id) ? [] : this.initialVoters), snapshotThresholdEntries: this.snapshotThresholdEntries, snapshotCatchUpEntries: this.snapshotCatchUpEntries, readMode: this.readMode, ...this.options.nodeConfig };
    const node = new BlixardNode(runtime, config, { ...this.options.nodeOptions?.(id), observer: this.observer });
    const started = node.start();
    if (started.ok) this.failedStarts.delete(id);
    else this.failedStarts.set(id, `${started.error.code}: ${started.error.message}`);
    return node;
  }
}
