import { ClusterClient, defaultClusterClientConfig, type ClientOp, type ClientOutcome } from "@blixard/core";
import {
  BlixardCluster,
  checkRegisterHistory,
  DEFAULT_KV_WORKLOAD,
  HistoryRecorder,
  KvClientProcess,
  Simulation,
  usFromMs,
} from "@blixard/runtime-sim";

export const VOTERS = ["n1", "n2", "n3", "n4", "n5"];

/** A five-node cluster under three KV clients recording one history, and an admin client for scripted ops. */
export function scriptedCluster(seed: number) {
  const repairEvents: string[] = [];
  const sim = new Simulation({ seed, trace: { sink: (e) => void (e.kind.startsWith("ev.repair.") && repairEvents.push(e.kind)) } });
  const cluster = new BlixardCluster(sim, VOTERS);
  const history = new HistoryRecorder();
  const clients = [0, 1, 2].map((i) =>
    sim.addClient(`c${i}`, (rt) => new KvClientProcess(rt, i, defaultClusterClientConfig(VOTERS), DEFAULT_KV_WORKLOAD, history, () => sim.nowUs() * 1000)),
  );
  const admin = sim.addClient("admin", (rt) => new ClusterClient(rt, { ...defaultClusterClientConfig(VOTERS), maxAttempts: 20 }));
  return { sim, cluster, history, clients, admin, repairEvents };
}

/** Submit `op` through `client` and run the simulation until it is answered (at most `withinMs`). */
export function runOp(sim: Simulation, client: ClusterClient, op: ClientOp, withinMs = 20_000): ClientOutcome {
  let outcome: ClientOutcome | null = null;
  if (!client.submit(op, (o) => (outcome = o))) throw new Error("admin client busy");
  for (let waited = 0; waited < withinMs && outcome === null; waited += 50) sim.runFor(usFromMs(50));
  if (outcome === null) throw new Error(`no outcome for ${JSON.stringify(op)} within ${withinMs} ms`);
  if (sim.failure !== null) throw new Error(`simulation failed: ${sim.failure.kind} ${sim.failure.name}: ${sim.failure.description}`);
  return outcome;
}

/** runOp, retrying while `retryable(code)` holds, every 200 ms, at most `attempts` times. */
export function runOpUntil(sim: Simulation, client: ClusterClient, op: ClientOp, retryable: (code: string) => boolean, attempts = 50): ClientOutcome {
  for (let i = 0; ; i++) {
    const outcome = runOp(sim, client, op);
    if (outcome.kind === "ok" || !retryable(outcome.error.code) || i + 1 >= attempts) return outcome;
    sim.runFor(usFromMs(200));
  }
}

export function membershipOp(type: string, nodeId: string): ClientOp {
  return { module: "membership", command: { type, nodeId } };
}

export function expectLinearizable(history: HistoryRecorder): string {
  const checked = checkRegisterHistory(history.events());
  if (!checked.ok) throw new Error(`history malformed: ${checked.error.message}`);
  if (checked.value.verdict === "not-linearizable") throw new Error("KV history is not linearizable");
  return checked.value.verdict;
}
