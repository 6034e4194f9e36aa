import type { ClusterModule } from "@blixard/core";
import type { Simulation } from "../simulation";
import type { BlixardCluster } from "./blixard-cluster";

/**
 * VM safety, checked after every event:
 * - no VM has a live process on two hosts at once (the fencing promise);
 * - on every replica, after every cluster entry it applies: each VM has at most
 *   one owner and no host is committed beyond its capacity.
 */
export class VmSafetyChecker {
  private violation: string | null = null;
  private readonly dirtyNodes = new Set<string>();

  constructor(
    private readonly sim: Simulation,
    private readonly cluster: BlixardCluster,
  ) {
    cluster.onApplied((nodeId, entry) => {
      if (entry.kind === "normal" && entry.data.includes('"module":"cluster"')) this.dirtyNodes.add(nodeId);
    });
  }

  firstViolation(): string | null {
    if (this.violation !== null) return this.violation;
    this.checkProcesses();
    this.checkReplicas();
    return this.violation;
  }

  private checkProcesses(): void {
    const hostByVm = new Map<string, { nodeId: string; processId: string; generation: number }>();
    for (const process of this.sim.aliveProcesses()) {
      const seen = hostByVm.get(process.vmName);
      if (seen !== undefined && seen.nodeId !== process.nodeId) {
        this.violation =
          `VM ${process.vmName} runs on two hosts at once: ${seen.nodeId} (process ${seen.processId}, generation ${seen.generation}) ` +
          `and ${process.nodeId} (process ${process.processId}, generation ${process.generation})`;
        return;
      }
      hostByVm.set(process.vmName, { nodeId: process.nodeId, processId: process.processId, generation: process.generation });
    }
  }

  private checkReplicas(): void {
    if (this.dirtyNodes.size === 0) return;
    for (const nodeId of [...this.dirtyNodes].sort()) {
      const module = this.cluster.node(nodeId)?.stateMachine.module("cluster") as ClusterModule | undefined;
      const problems = module?.invariantViolations() ?? [];
      if (problems.length > 0) {
        this.violation = `cluster state on ${nodeId}: ${problems.join("; ")}`;
        return;
      }
    }
    this.dirtyNodes.clear();
  }
}
