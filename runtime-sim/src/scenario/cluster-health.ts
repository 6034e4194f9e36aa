import type { ScenarioContext } from "../run/scenario";
import { usFromMs } from "../world/time";
import type { BlixardCluster } from "./blixard-cluster";
import { convergenceProblem } from "./convergence";
import { attachRepairOperator } from "./repair-operator";

/** After faults stop, a leader must exist within this long (20 election timeouts of 0.5–1 s). */
export const LEADER_AFTER_QUIET_MS_MAX = 10_000;
/** Followers must have applied, by the end, what the leader committed this long before it. */
const CONVERGENCE_SLACK_MS = 1_000;

/**
 * What every Blixard scenario demands of its cluster, whatever the workload:
 * nodes that refuse on corrupt storage are repaired (wiped and re-added by the
 * simulated operator); a leader exists soon after faults stop; by the end every
 * node serves, votes, and has applied what the leader had committed.
 */
export function attachClusterHealth(context: ScenarioContext, cluster: BlixardCluster): { summary(): Record<string, number | string> } {
  const { sim, faultsEndUs, endUs } = context;
  const repair = attachRepairOperator(sim, cluster);
  sim.scheduleAt(Math.min(endUs, faultsEndUs + usFromMs(LEADER_AFTER_QUIET_MS_MAX)), "liveness.leader", () => {
    if (cluster.leaders().length === 0) sim.fail("liveness", "cluster.leader-elected", `no leader ${LEADER_AFTER_QUIET_MS_MAX} ms after faults stopped`);
  });
  let committedBeforeEnd = 0;
  sim.scheduleAt(Math.max(faultsEndUs, endUs - usFromMs(CONVERGENCE_SLACK_MS)), "liveness.commit-mark", () => {
    const leader = cluster.leaders()[0];
    committedBeforeEnd = leader === undefined ? 0 : (cluster.node(leader.id)?.raftStatus()?.commitIndex ?? 0);
  });
  sim.addEndCheck("cluster.converged", () => convergenceProblem(cluster, committedBeforeEnd));
  return {
    summary: () => ({ readMode: cluster.readMode, nodesRefusingCorruptStorage: cluster.refusedNodes().size, nodesRepaired: repair.stats.repairsCompleted }),
  };
}
