import { defaultClusterClientConfig } from "@blixard/core";
import { checkRegisterHistory, describeCheckResult, HistoryRecorder } from "../linearizability/index";
import { FAULT_CLASSES } from "../nemesis/fault-classes";
import type { Scenario, ScenarioContext, ScenarioRun } from "../run/scenario";
import { usFromMs } from "../world/time";
import { BlixardCluster } from "./blixard-cluster";
import { attachClusterHealth, LEADER_AFTER_QUIET_MS_MAX } from "./cluster-health";
import { DEFAULT_KV_WORKLOAD, KvClientProcess, type KvWorkloadConfig } from "./kv-client-process";

/** Clients per run: enough concurrency for anomalies to show, few enough for the checker. */
export const KV_CLIENTS = 5;
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
  const cluster = new BlixardCluster(context.sim, context.nodeIds);
  const health = attachClusterHealth(context, cluster);
  const kv = attachKvWorkload(context, cluster);
  return { ...kv, summary: () => ({ ...kv.summary(), ...health.summary() }) };
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
  const stopUs = faultsEndUs + Math.floor(((endUs - faultsEndUs) * CLIENT_STOP_QUIET_PERCENT) / 100);
  sim.scheduleAt(stopUs, "workload.drain", () => {
    for (const client of clients) client.stop();
  });
  sim.addEndCheck("kv.clients-finished", () => {
    const busy = clients.map((c, i) => (c.idle ? null : `c${i}`)).filter((c) => c !== null);
    return busy.length === 0 ? null : `client ops still in flight at the end: ${busy.join(", ")}`;
  });
  // Liveness: once faults stop and a leader has had time to emerge, every op completes, and completes ok.
  const healthyFromUs = Math.min(endUs, faultsEndUs + usFromMs(LEADER_AFTER_QUIET_MS_MAX));
  for (const client of clients) client.expectHealthyFrom(healthyFromUs * 1000);
  sim.addEndCheck("kv.ops-succeed-after-faults", () => {
    const bad = clients.map((c, i) => (c.stats.unhealthy > 0 ? `c${i}: ${c.stats.unhealthy}` : null)).filter((x) => x !== null);
    return bad.length === 0 ? null : `client ops invoked ${LEADER_AFTER_QUIET_MS_MAX} ms after faults stopped did not succeed (${bad.join(", ")})`;
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
    }),
    history: () => history.events(),
  };
}
