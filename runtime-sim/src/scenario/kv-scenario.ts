import { defaultClusterClientConfig } from "@blixard/core";
import { checkRegisterHistory, describeCheckResult, HistoryRecorder } from "../linearizability/index";
import { FAULT_CLASSES } from "../nemesis/fault-classes";
import type { Scenario, ScenarioContext, ScenarioRun } from "../run/scenario";
import { usFromMs } from "../world/time";
import { BlixardCluster } from "./blixard-cluster";
import { convergenceProblem } from "./convergence";
import { DEFAULT_KV_WORKLOAD, KvClientProcess, type KvWorkloadConfig } from "./kv-client-process";
import { attachRepairOperator } from "./repair-operator";

/** Clients per run: enough concurrency for anomalies to show, few enough for the checker. */
export const KV_CLIENTS = 5;
/** After faults stop, a leader must exist within this long (20 election timeouts of 0.5–1 s). */
export const LEADER_AFTER_QUIET_MS_MAX = 10_000;
/** Followers must have applied, by the end, what the leader committed this long before it. */
const CONVERGENCE_SLACK_MS = 1_000;
/** Clients stop issuing new ops at this share of the quiet phase, so every op in flight can complete before the end. */
const CLIENT_STOP_QUIET_PERCENT = 50;

export interface KvRun extends ScenarioRun {
  readonly cluster: BlixardCluster;
  readonly clients: readonly KvClientProcess[];
}

/**
 * `kv`: a Blixard cluster under KV clients doing reads, writes and cas on a
 * few contended keys. Raft safety is checked after every event; at the end
 * the cluster must have converged and the client history must be linearizable.
 */
export const kvScenario: Scenario = {
  name: "kv",
  description: "Blixard nodes under concurrent KV clients (read/write/cas), history checked for linearizability",
  supportedFaults: FAULT_CLASSES,
  setup: (context) => setupKv(context),
};

export function setupKv(context: ScenarioContext): KvRun {
  return attachKvWorkload(context, new BlixardCluster(context.sim, context.nodeIds));
}

/** KV clients, their history and the KV end checks, on a cluster built by the caller. */
export function attachKvWorkload(
  context: ScenarioContext,
  cluster: BlixardCluster,
  workload: KvWorkloadConfig = DEFAULT_KV_WORKLOAD,
  clientCount = KV_CLIENTS,
): KvRun {
  const { sim, nodeIds, faultsEndUs, endUs } = context;
  const history = new HistoryRecorder();
  const nowNs = () => sim.nowUs() * 1000;
  const clients: KvClientProcess[] = [];
  for (let i = 0; i < clientCount; i++) {
    const config = defaultClusterClientConfig(nodeIds);
    clients.push(sim.addClient(`c${i}`, (rt) => new KvClientProcess(rt, i, config, workload, history, nowNs)));
  }
  const okAtQuiet = { value: 0 };
  // Nodes that refuse on corrupt storage are wiped and re-added, so the end check can demand every node back.
  const repair = attachRepairOperator(sim, cluster);
  const stopUs = faultsEndUs + Math.floor(((endUs - faultsEndUs) * CLIENT_STOP_QUIET_PERCENT) / 100);
  sim.scheduleAt(stopUs, "workload.drain", () => {
    for (const client of clients) client.stop();
  });
  sim.scheduleAt(Math.min(endUs, faultsEndUs + usFromMs(LEADER_AFTER_QUIET_MS_MAX)), "liveness.leader", () => {
    if (cluster.leaders().length === 0) {
      sim.fail("liveness", "kv.leader-elected", `no leader ${LEADER_AFTER_QUIET_MS_MAX} ms after faults stopped`);
    }
  });
  // What the leader has committed shortly before the end, every serving node must have applied by the end.
  let committedBeforeEnd = 0;
  sim.scheduleAt(Math.max(faultsEndUs, endUs - usFromMs(CONVERGENCE_SLACK_MS)), "liveness.commit-mark", () => {
    const leader = cluster.leaders()[0];
    committedBeforeEnd = leader === undefined ? 0 : (cluster.node(leader.id)?.raftStatus()?.commitIndex ?? 0);
  });
  sim.addEndCheck("kv.converged", () => convergenceProblem(cluster, committedBeforeEnd));
  sim.addEndCheck("kv.clients-finished", () => {
    const busy = clients.map((c, i) => (c.idle ? null : `c${i}`)).filter((c) => c !== null);
    return busy.length === 0 ? null : `client ops still in flight at the end: ${busy.join(", ")}`;
  });
  sim.addEndCheck("kv.progress-after-faults", () => {
    const okTotal = clients.reduce((sum, c) => sum + c.stats.ok, 0);
    return okTotal > okAtQuiet.value ? null : `no client op succeeded after faults stopped (${okTotal} ok in total)`;
  });
  let linearizability = "not checked";
  sim.addEndCheck("kv.linearizable", () => {
    const checked = checkRegisterHistory(history.events());
    if (!checked.ok) return `history malformed: ${checked.error.message}`;
    linearizability = `${checked.value.verdict} (${checked.value.keys.length} keys, ${checked.value.searchSteps} search steps)`;
    return checked.value.verdict === "not-linearizable" ? describeCheckResult(checked.value) : null;
  });
  return {
    cluster,
    clients,
    onQuiet: () => {
      okAtQuiet.value = clients.reduce((sum, c) => sum + c.stats.ok, 0);
    },
    summary: () => ({
      opsOk: clients.reduce((sum, c) => sum + c.stats.ok, 0),
      opsFailed: clients.reduce((sum, c) => sum + c.stats.failed, 0),
      opsIndeterminate: clients.reduce((sum, c) => sum + c.stats.indeterminate, 0),
      attempts: clients.reduce((sum, c) => sum + c.stats.attempts, 0),
      appliedIndexMax: cluster.safety.highestAppliedIndex(),
      linearizability,
      nodesRefusingCorruptStorage: cluster.refusedNodes().size,
      nodesRepaired: repair.stats.repairsCompleted,
    }),
    history: () => history.events(),
  };
}
