import { FAULT_CLASSES } from "../nemesis/fault-classes";
import type { Scenario, ScenarioContext, ScenarioRun } from "../run/scenario";
import { ToyChecker } from "./toy-checker";
import { ToyCounterNode, type ToyControl } from "./toy-node";

/**
 * `toy`: a gossiped grow-only counter over every port, with real invariants
 * (synced writes survive restarts, nothing unsynced or forged is ever accepted,
 * no message crosses a cut link, one VM per host) and convergence at the end.
 */
export const toyScenario: Scenario = {
  name: "toy",
  description: "gossiped grow-only counter using net, disk, timers, random and VM processes",
  supportedFaults: FAULT_CLASSES,
  setup(context: ScenarioContext): ScenarioRun {
    const { sim, nodeIds } = context;
    const checker = new ToyChecker(sim);
    const control: ToyControl = { incrementing: true };
    for (const id of nodeIds) sim.addNode(id, (runtime) => new ToyCounterNode(runtime, nodeIds, checker, control));
    sim.addInvariant("toy.safety", () => checker.check());
    sim.addEndCheck("toy.all-up", () => {
      const down = nodeIds.filter((id) => sim.status(id) !== "up");
      return down.length === 0 ? null : `nodes still down after the quiet phase: ${down.join(", ")}`;
    });
    sim.addEndCheck("toy.converged", () => convergenceProblem(nodeIds, (id) => sim.instance<ToyCounterNode>(id)));
    sim.addEndCheck("toy.vms-running", () => {
      const missing = nodeIds.filter((id) => sim.instance<ToyCounterNode>(id)?.vmIsBooted !== true);
      return missing.length === 0 ? null : `no booted VM on: ${missing.join(", ")}`;
    });
    return {
      onQuiet: () => {
        control.incrementing = false;
      },
      summary: () => ({
        increments: checker.stats.increments,
        gossipAccepted: checker.stats.accepted,
        gossipRejected: checker.stats.rejected,
        recoveries: checker.stats.recoveries,
        corruptLogsDetected: checker.stats.corruptLogs,
        tornTailsDropped: checker.stats.tornTails,
        vmBoots: checker.stats.vmBoots,
        total: nodeIds.reduce((sum, id) => sum + (sim.instance<ToyCounterNode>(id)?.counts[id] ?? 0), 0),
      }),
    };
  },
};

function convergenceProblem(nodeIds: readonly string[], instance: (id: string) => ToyCounterNode | undefined): string | null {
  for (const id of nodeIds) {
    const node = instance(id);
    if (node === undefined) return `node ${id} is down`;
    if (node.ownCount !== node.syncedCount) return `node ${id} still has unsynced count ${node.ownCount} (synced ${node.syncedCount})`;
    for (const other of nodeIds) {
      const theirs = instance(other);
      if (theirs === undefined) return `node ${other} is down`;
      if (node.counts[other] !== theirs.ownCount) {
        return `node ${id} sees ${other} at ${node.counts[other]} but ${other} is at ${theirs.ownCount}: not converged`;
      }
    }
  }
  return null;
}
