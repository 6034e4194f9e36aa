import type { Entry } from "../raft/log-types";
import type { Runtime } from "../ports/runtime";
import { PlacementIndex } from "../scheduler/placement-index";
import type { Strategy, VmRequest } from "../scheduler/types";
import type { ClusterModule } from "../state/cluster/module";
import { clusterModuleName, type VmRecord } from "../state/cluster/types";
import type { ApplyOutcome } from "../state/state-machine";
import { hostStatusFromSilence, type HostStatus } from "../vm/host";
import { resourcesOf } from "../vm/spec";
import { appliedClusterCommand } from "./cluster-entry";
import { fenceWaitMs, type SupervisorConfig } from "./controller-config";
import type { InternalProposer } from "./host-agent";

/**
 * The leader's loops over the cluster state, run once per tick while this
 * node leads: judge host health from heartbeats it applied itself (on its own
 * monotonic clock), release the VMs of hosts silent for longer than the fence
 * wait, evacuate draining hosts, and place pending VMs. Every decision is a
 * proposal re-validated at apply time, so a stale view can waste a proposal but
 * never break an invariant.
 */
/** The VM's own placement preference, else the cluster's default strategy. */
export function strategyFor(vm: VmRecord, clusterDefault: Strategy): Strategy {
  const preference = vm.spec.placement;
  if (preference.strategy === null) return clusterDefault;
  if (preference.strategy === "manual") return { kind: "manual", hostId: preference.hostId ?? "" };
  return { kind: preference.strategy };
}

/** How long a host stays reserved for a preemptor while its victims stop. */
const PREEMPTION_RESERVATION_MS = 10_000;

export class LeaderSupervisor {
  private leading = false;
  private leaderSinceMonoMs = 0;
  private readonly lastHeardMonoMs = new Map<string, number>();
  private readonly lastProposalMonoMs = new Map<string, number>();
  private budget = 0;
  /** Hosts being cleared for a preemptor: lower-priority VMs may not take the room meanwhile. */
  private readonly reservations = new Map<string, { vmName: string; priority: number; untilMonoMs: number }>();

  constructor(
    private readonly runtime: Runtime,
    private readonly node: InternalProposer & { isLeader(): boolean },
    private readonly config: SupervisorConfig,
  ) {}

  roleChanged(role: string): void {
    const leading = role === "leader";
    if (leading && !this.leading) {
      // A new leader knows nothing of when hosts were last heard: it starts every clock now, which only delays fencing.
      this.leaderSinceMonoMs = this.runtime.clock.monotonicMs();
      this.lastHeardMonoMs.clear();
      this.lastProposalMonoMs.clear();
      this.reservations.clear();
    }
    this.leading = leading;
  }

  applied(outcome: ApplyOutcome, entry: Entry): void {
    if (!this.leading) return;
    const command = appliedClusterCommand(outcome, entry);
    if (command?.type === "host-heartbeat" || command?.type === "register-host") {
      this.lastHeardMonoMs.set(command.hostId, this.runtime.clock.monotonicMs());
    }
  }

  tick(): void {
    if (!this.leading || !this.node.isLeader()) return;
    const cluster = this.node.stateMachine.module(clusterModuleName) as ClusterModule | undefined;
    if (cluster === undefined) return;
    this.budget = this.config.maxProposalsPerTick;
    this.judgeHosts(cluster);
    this.releaseFencedVms(cluster);
    this.evacuateDraining(cluster);
    this.schedulePending(cluster);
  }

  private silenceMs(hostId: string): number {
    return this.runtime.clock.monotonicMs() - (this.lastHeardMonoMs.get(hostId) ?? this.leaderSinceMonoMs);
  }

  private judgeHosts(cluster: ClusterModule): void {
    const thresholds = { suspectAfterMs: this.config.suspectAfterMs, downAfterMs: this.config.downAfterMs };
    for (const host of cluster.listHosts()) {
      const status: HostStatus = hostStatusFromSilence(this.silenceMs(host.id), thresholds);
      if (status !== host.status) this.propose(`host-status/${host.id}`, { type: "set-host-status", hostId: host.id, status });
    }
  }

  /** Only after the fence wait has the silent host certainly stopped its VMs (while clocks honour the drift bound). */
  private releaseFencedVms(cluster: ClusterModule): void {
    const waitMs = fenceWaitMs(this.config);
    for (const host of cluster.listHosts()) {
      const silence = this.silenceMs(host.id);
      if (silence < waitMs) continue;
      for (const vm of cluster.vmsOnHost(host.id)) {
        const p = vm.placement;
        if (p === null) continue;
        const reason = `host ${host.id} silent for ${silence} ms; fenced after ${waitMs} ms (lease ${this.config.leaseMs} ms, drift bound ${this.config.maxClockDriftPpm} ppm)`;
        // The heartbeat index pins the decision: if the host is heard from before this commits, it is void.
        const heartbeatIndex = host.lastHeartbeatIndex;
        this.propose(`unplace/${vm.spec.name}/${p.generation}`, { type: "unplace-vm", vmName: vm.spec.name, hostId: host.id, generation: p.generation, reason, heartbeatIndex });
      }
    }
  }

  private evacuateDraining(cluster: ClusterModule): void {
    for (const vm of cluster.vmsToEvacuate()) {
      const host = vm.placement?.hostId ?? "?";
      this.propose(`evict/${vm.spec.name}/${vm.generation}`, { type: "evict-vm", vmName: vm.spec.name, reason: `host ${host} is draining` });
    }
  }

  private schedulePending(cluster: ClusterModule): void {
    const pending = cluster.pendingVms();
    if (pending.length === 0) return;
    const index = new PlacementIndex(cluster.schedulerView());
    for (const entry of pending) {
      if (this.budget <= 0) return;
      const vm = cluster.getVm(entry.name);
      if (vm === undefined || this.recentlyProposed(`place/${vm.spec.name}/${vm.generation}`)) continue;
      this.placeOne(vm, index);
    }
  }

  private placeOne(vm: VmRecord, index: PlacementIndex): void {
    const request: VmRequest = {
      name: vm.spec.name,
      resources: resourcesOf(vm.spec),
      requiredFeatures: vm.spec.requiredFeatures,
      antiAffinityGroup: vm.spec.antiAffinityGroup,
      priority: vm.spec.priority,
    };
    const decision = index.place(request, strategyFor(vm, this.config.strategy));
    const key = `place/${vm.spec.name}/${vm.generation}`;
    if (decision.kind === "placed" && this.reservedAgainst(decision.hostId, vm.spec.name, vm.spec.priority)) {
      index.remove(vm.spec.name); // leave the room to the preemptor; try again next tick
      return;
    }
    if (decision.kind === "placed") {
      this.reservations.delete(decision.hostId);
      this.propose(key, { type: "place-vm", vmName: vm.spec.name, hostId: decision.hostId, expectedGeneration: vm.generation });
    } else if (decision.kind === "preempt") {
      // The preemptor is not marked as proposed: it must be first in line (priority order) the moment its victims leave,
      // and the host is reserved so a victim or another lower-priority VM cannot slip back into the room.
      const untilMonoMs = this.runtime.clock.monotonicMs() + PREEMPTION_RESERVATION_MS;
      this.reservations.set(decision.hostId, { vmName: vm.spec.name, priority: vm.spec.priority, untilMonoMs });
      for (const victim of decision.evict) {
        this.propose(`evict/${victim}/preempt`, { type: "evict-vm", vmName: victim, reason: `preempted by ${vm.spec.name} (priority ${vm.spec.priority}): ${decision.reason}` });
      }
    } else if (vm.pendingReason !== decision.reason) {
      this.propose(key, { type: "set-pending-reason", vmName: vm.spec.name, generation: vm.generation, reason: decision.reason });
    }
  }

  private reservedAgainst(hostId: string, vmName: string, priority: number): boolean {
    const reservation = this.reservations.get(hostId);
    if (reservation === undefined) return false;
    if (reservation.untilMonoMs <= this.runtime.clock.monotonicMs()) {
      this.reservations.delete(hostId);
      return false;
    }
    return reservation.vmName !== vmName && priority < reservation.priority;
  }

  private recentlyProposed(key: string): boolean {
    const last = this.lastProposalMonoMs.get(key);
    return last !== undefined && this.runtime.clock.monotonicMs() - last < this.config.proposalRetryMs;
  }

  private propose(key: string, command: unknown): void {
    if (this.budget <= 0 || this.recentlyProposed(key)) return;
    this.budget -= 1;
    this.lastProposalMonoMs.set(key, this.runtime.clock.monotonicMs());
    if (this.lastProposalMonoMs.size > 65_536) this.lastProposalMonoMs.clear(); // bounded: forgetting only risks one early retry
    const proposed = this.node.proposeInternal(clusterModuleName, command);
    this.runtime.tracer.event("supervisor-propose", { what: key, ok: proposed.ok, ...(proposed.ok ? {} : { code: proposed.error.code }) });
  }
}
