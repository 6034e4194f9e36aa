import {
  ClusterClient,
  defaultClusterClientConfig,
  type ClientOutcome,
  type ConfigChangeCommandType,
  type ConfigView,
  type MembershipChangeResult,
  type TransferResult,
} from "@blixard/core";
import type { Simulation } from "../simulation";
import type { ClientRuntime } from "../world/runtime-types";
import type { BlixardCluster } from "./blixard-cluster";

/**
 * The simulated operator's remedy for a node whose storage failed its
 * checksums (it refuses to serve, correctly, forever): take it out of the
 * configuration, wipe its disk, start it again as a fresh joiner, add it as a
 * learner, and promote it once it has caught up.
 *
 * Reusing the node id after a wipe is safe because of the order of the steps:
 * - The wiped node restarts only after its removal is COMMITTED (the remove op
 *   answers on apply). From then on every leader that can be elected has the
 *   removal in its log (leader completeness), so the new incarnation's votes
 *   count for nobody while it is absent or a learner; a candidate still on the
 *   old configuration cannot win either, because the nodes holding the
 *   removal are a majority of the new configuration and refuse its
 *   less up-to-date log, leaving it short of a majority of the old one
 *   whatever the wiped node votes.
 * - Same term: the old incarnation may have acked appends in the term T_r in
 *   which its removal committed (never later: a removal commit in T_r means no
 *   leader of a later term existed yet). A stale ack of term T_r still in
 *   flight would make the leader of T_r believe the new, empty incarnation
 *   holds entries it does not, and once promoted count it toward commits. So
 *   the operator promotes only in a term strictly greater than T_r: if the
 *   learner was added in T_r it first moves leadership to another voter
 *   (which starts a new term), and the promoting leader's progress for the
 *   node comes only from acks of its own term — all from the new incarnation.
 *
 * Every change names the configuration it was decided on (ifConfigIndex):
 * membership changes are sessionless, and a late or replayed copy of this
 * repair's "remove" would otherwise take the node out again after it was
 * re-added and promoted. The operator learns the index from show-config and
 * from each change's answer, and reads it again when the leader answers
 * config-changed.
 */
export interface RepairOperatorConfig {
  /** How often the operator looks at the cluster. */
  readonly pollIntervalMs: number;
  /** A refusal must have lasted this long before the operator acts (a human reads the alert). */
  readonly reactionDelayMs: number;
  /** Pause before retrying a step that was refused or failed. */
  readonly retryDelayMs: number;
}

export const DEFAULT_REPAIR_OPERATOR_CONFIG: RepairOperatorConfig = { pollIntervalMs: 250, reactionDelayMs: 1_000, retryDelayMs: 300 };

type Step = "remove" | "wipe" | "add" | "new-term" | "promote";

interface Repair {
  readonly nodeId: string;
  step: Step;
  /** Term in which the node's removal committed (an upper bound when it already was absent). */
  removedInTerm: number;
  /** Highest term an answer has shown since: promotion waits until it exceeds removedInTerm. */
  termSeen: number;
  voters: readonly string[];
  /** The configuration the next change is decided on (null: read it first). */
  configIndex: number | null;
  transferAttempts: number;
  notBeforeMs: number;
}

export interface RepairOperatorStats {
  repairsStarted: number;
  repairsCompleted: number;
  stepsFailed: number;
}

export class RepairOperator {
  private readonly client: ClusterClient;
  private readonly refusedSinceMs = new Map<string, number>();
  private current: Repair | null = null;
  readonly stats: RepairOperatorStats = { repairsStarted: 0, repairsCompleted: 0, stepsFailed: 0 };

  constructor(
    private readonly runtime: ClientRuntime,
    private readonly sim: Simulation,
    private readonly cluster: BlixardCluster,
    private readonly config: RepairOperatorConfig = DEFAULT_REPAIR_OPERATOR_CONFIG,
  ) {
    this.client = new ClusterClient(runtime, defaultClusterClientConfig(cluster.nodeIds));
    this.scheduleTick();
  }

  /** A repair is under way (a node is out of the configuration or not yet a voter again). */
  get repairing(): string | null {
    return this.current?.nodeId ?? null;
  }

  private scheduleTick(): void {
    this.runtime.clock.setTimer(this.config.pollIntervalMs, () => {
      this.tick();
      this.scheduleTick();
    });
  }

  private tick(): void {
    const now = this.runtime.clock.monotonicMs();
    this.noteRefusals(now);
    const repair = this.current ?? this.pickNext(now);
    if (repair === null || this.client.busy || now < repair.notBeforeMs) return;
    // Corrupted again while being repaired: start over from the removal.
    if (repair.step !== "remove" && repair.step !== "wipe" && this.cluster.refusedNodes().has(repair.nodeId)) repair.step = "remove";
    this.runStep(repair);
  }

  private noteRefusals(now: number): void {
    const refused = this.cluster.refusedNodes();
    for (const id of [...this.refusedSinceMs.keys()]) if (!refused.has(id)) this.refusedSinceMs.delete(id);
    for (const id of [...refused.keys()].sort()) if (!this.refusedSinceMs.has(id)) this.refusedSinceMs.set(id, now);
  }

  private pickNext(now: number): Repair | null {
    const due = [...this.refusedSinceMs.entries()].filter(([, since]) => now - since >= this.config.reactionDelayMs).map(([id]) => id).sort();
    const nodeId = due[0];
    if (nodeId === undefined) return null;
    this.stats.repairsStarted++;
    this.trace("repair.start", nodeId, `refused: ${this.cluster.refusedNodes().get(nodeId)?.slice(0, 120) ?? "?"}`);
    this.current = { nodeId, step: "remove", removedInTerm: 0, termSeen: 0, voters: [], configIndex: null, transferAttempts: 0, notBeforeMs: now };
    return this.current;
  }

  private runStep(repair: Repair): void {
    switch (repair.step) {
      case "remove":
        return this.membership(repair, "remove", repair.nodeId, (result) => {
          repair.removedInTerm = result.term;
          repair.termSeen = result.term;
          repair.step = "wipe";
        });
      case "wipe":
        // Only now, with the removal committed, may the node come back with an empty disk (see the note above).
        this.sim.wipeDisk(repair.nodeId);
        this.cluster.markJoiner(repair.nodeId);
        this.sim.restart(repair.nodeId);
        this.trace("repair.wiped", repair.nodeId, `removed in term ${repair.removedInTerm}`);
        repair.step = "add";
        return;
      case "add":
        return this.membership(repair, "add-learner", repair.nodeId, (result) => {
          repair.termSeen = Math.max(repair.termSeen, result.term);
          repair.voters = result.config.voters;
          repair.step = repair.termSeen > repair.removedInTerm ? "promote" : "new-term";
        });
      case "new-term":
        return this.moveLeadership(repair);
      case "promote":
        return this.membership(repair, "promote", repair.nodeId, () => {
          this.stats.repairsCompleted++;
          this.trace("repair.done", repair.nodeId, `promoted in a term after ${repair.removedInTerm}`);
          this.current = null;
        });
    }
  }

  /** Start a new term by handing leadership to another voter, so the promotion happens after the removal's term. */
  private moveLeadership(repair: Repair): void {
    // A voter that is up and serving (the operator can see its machines), a different one after each failure.
    const candidates = repair.voters.filter((id) => id !== repair.nodeId && id !== this.client.leader && this.cluster.node(id)?.health === "serving").sort();
    const target = candidates[repair.transferAttempts++ % Math.max(1, candidates.length)];
    if (target === undefined) {
      this.retry(repair, "no other voter to hand leadership to");
      return;
    }
    this.client.submit({ module: "membership", command: { type: "transfer-leadership", nodeId: target } }, (outcome) => {
      if (outcome.kind === "failed") return this.retry(repair, `${outcome.error.code}: ${outcome.error.message}`);
      repair.termSeen = Math.max(repair.termSeen, (outcome.result as TransferResult).term);
      if (repair.termSeen > repair.removedInTerm) repair.step = "promote";
    });
  }

  private membership(repair: Repair, type: ConfigChangeCommandType, nodeId: string, done: (result: MembershipChangeResult) => void): void {
    const ifConfigIndex = repair.configIndex;
    if (ifConfigIndex === null) return this.readConfig(repair);
    this.client.submit({ module: "membership", command: { type, nodeId, ifConfigIndex } }, (outcome: ClientOutcome) => {
      if (outcome.kind === "failed") {
        // The learner vanished from the configuration (removed again elsewhere): add it again.
        if (type === "promote" && outcome.error.code === "unknown-node") repair.step = "add";
        if (outcome.error.code === "config-changed") repair.configIndex = null;
        return this.retry(repair, `${type}: ${outcome.error.code}: ${outcome.error.message}`);
      }
      const result = outcome.result as MembershipChangeResult;
      repair.configIndex = result.configIndex;
      done(result);
    });
  }

  private readConfig(repair: Repair): void {
    this.client.submit({ module: "membership", command: { type: "show-config" } }, (outcome: ClientOutcome) => {
      if (outcome.kind === "failed") return this.retry(repair, `show-config: ${outcome.error.code}: ${outcome.error.message}`);
      repair.configIndex = (outcome.result as ConfigView).configIndex;
    });
  }

  private retry(repair: Repair, why: string): void {
    this.stats.stepsFailed++;
    repair.notBeforeMs = this.runtime.clock.monotonicMs() + this.config.retryDelayMs;
    this.trace("repair.retry", repair.nodeId, `${repair.step}: ${why.slice(0, 160)}`);
  }

  private trace(kind: string, nodeId: string, detail: string): void {
    this.runtime.tracer.event(kind, { node: nodeId, detail });
  }
}

/** Add the repair operator to a simulated cluster as its own client. */
export function attachRepairOperator(sim: Simulation, cluster: BlixardCluster, config?: RepairOperatorConfig): RepairOperator {
  return sim.addClient("repair-operator", (rt) => new RepairOperator(rt, sim, cluster, config));
}
