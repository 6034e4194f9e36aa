import type { Result } from "../errors";
import type { Entry } from "../raft/log-types";
import type { Runtime } from "../ports/runtime";
import type { ClusterModule } from "../state/cluster/module";
import { clusterModuleName } from "../state/cluster/types";
import type { ApplyOutcome } from "../state/state-machine";
import { appliedClusterCommand } from "./cluster-entry";
import type { HostConfig } from "./controller-config";

/** Heartbeats remembered while waiting for them to commit, at most. */
const PENDING_HEARTBEATS_MAX = 64;

export interface InternalProposer {
  proposeInternal(module: string, command: unknown): Result<void>;
  readonly stateMachine: { module(name: string): unknown; readonly appliedIndex: number };
}

/**
 * The host's side of membership: registers the host, sends heartbeats through
 * Raft, and keeps the host's lease — the time of the latest heartbeat this
 * host sent that it has since seen committed. A committed heartbeat proves a
 * quorum had it; without one for leaseMs the host must assume it is cut off
 * and that the leader may soon place its VMs elsewhere.
 */
export class HostAgent {
  private readonly pending: { atMs: number; sentMonoMs: number }[] = [];
  private lastSentMonoMs = Number.NEGATIVE_INFINITY;
  private lastRegisterMonoMs = Number.NEGATIVE_INFINITY;
  /** Monotonic send time of the newest heartbeat seen committed; -inf before the first. */
  private quorumContactMonoMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly runtime: Runtime,
    private readonly node: InternalProposer,
    readonly config: HostConfig,
  ) {}

  /** True while a heartbeat sent within the last leaseMs has committed. */
  leaseValid(): boolean {
    return this.runtime.clock.monotonicMs() < this.leaseEndMonoMs();
  }

  /** When the lease runs out on this host's monotonic clock (-inf before the first committed heartbeat). */
  leaseEndMonoMs(): number {
    return this.quorumContactMonoMs + this.config.leaseMs;
  }

  tick(): void {
    const now = this.runtime.clock.monotonicMs();
    if (!this.registered() && now - this.lastRegisterMonoMs >= this.config.heartbeatIntervalMs) {
      this.lastRegisterMonoMs = now;
      const c = this.config;
      this.node.proposeInternal(clusterModuleName, { type: "register-host", hostId: c.hostId, address: c.address, capacity: c.capacity, features: [...c.features].sort() });
    }
    if (now - this.lastSentMonoMs < this.config.heartbeatIntervalMs) return;
    this.lastSentMonoMs = now;
    const atMs = Math.max(0, Math.floor(this.runtime.clock.wallClockMs()));
    const sent = this.node.proposeInternal(clusterModuleName, { type: "host-heartbeat", hostId: this.config.hostId, atMs });
    if (!sent.ok) return;
    this.pending.push({ atMs, sentMonoMs: now });
    if (this.pending.length > PENDING_HEARTBEATS_MAX) this.pending.shift();
  }

  applied(outcome: ApplyOutcome, entry: Entry): void {
    const command = appliedClusterCommand(outcome, entry);
    if (command?.type !== "host-heartbeat" || command.hostId !== this.config.hostId) return;
    // The oldest matching send is the conservative reading of when that heartbeat left.
    const found = this.pending.findIndex((p) => p.atMs === command.atMs);
    if (found < 0) return;
    const sentMonoMs = this.pending[found]?.sentMonoMs ?? Number.NEGATIVE_INFINITY;
    this.pending.splice(0, found + 1);
    if (sentMonoMs > this.quorumContactMonoMs) {
      const wasValid = this.leaseValid();
      this.quorumContactMonoMs = sentMonoMs;
      if (!wasValid) this.runtime.tracer.event("host-lease-regained", { host: this.config.hostId });
    }
  }

  private registered(): boolean {
    const cluster = this.node.stateMachine.module(clusterModuleName) as ClusterModule | undefined;
    return cluster?.getHost(this.config.hostId) !== undefined;
  }
}
