/**
 * Raft KV benchmark: a 5-node simulated cluster under a steady KV client load
 * with every fault class (medium intensity). Reports virtual seconds per wall
 * second and committed client operations per wall second, against the target
 * of 200 virtual s per wall s at 100 client ops per virtual second. The
 * baseline, measured in the same run, is the bare simulator (traced no-op
 * events): the ratio says how much of the raw event rate Blixard's own work leaves.
 */
import { DEFAULT_RUN_OPTIONS, runSimulation, ScenarioRegistry, Simulation, type Scenario } from "../../runtime-sim/src/index";
import { attachKvWorkload, BlixardCluster, DEFAULT_KV_WORKLOAD, FAULT_CLASSES } from "../../runtime-sim/src/index";
import type { Bench, BenchMeasurement } from "../bench";

const TARGET_VIRTUAL_S_PER_WALL_S = 200;
const TARGET_OPS_PER_VIRTUAL_S = 100;
const DURATION_S = 60;
const SEEDS = [101, 102, 103];
/** An unmeasured run first, so the figures are the steady state and not the JIT's warm-up. */
const WARMUP = { seed: 100, durationS: 20 };

/** 16 closed-loop clients thinking ~80 ms: about 100 ops per virtual second on a healthy cluster. */
const steadyLoad: Scenario = {
  name: "kv-steady",
  description: "bench: KV clients at about 100 ops per virtual second",
  supportedFaults: FAULT_CLASSES,
  setup: (context) => attachKvWorkload(context, new BlixardCluster(context.sim, context.nodeIds), { ...DEFAULT_KV_WORKLOAD, thinkTimeMsMean: 80 }, 16),
};

function bareSimEventsPerSecond(): number {
  const sim = new Simulation({ seed: 1 });
  const random = sim.streams.stream("bench");
  let left = 300_000;
  const tick = (): void => {
    if (--left > 0) sim.schedule(random.nextInt(1, 1000), "tick", tick);
  };
  for (let i = 0; i < 100; i++) sim.schedule(i + 1, "tick", tick);
  const started = performance.now();
  sim.runUntil(Number.MAX_SAFE_INTEGER - 1);
  return (sim.eventsProcessed * 1000) / (performance.now() - started);
}

export const raftKvBench: Bench = {
  name: "raft-kv",
  description: `5-node cluster, steady KV load, all faults, ${DURATION_S} virtual s x ${SEEDS.length} seeds after a ${WARMUP.durationS} s warm-up`,
  run(): BenchMeasurement[] {
    const registry = new ScenarioRegistry([steadyLoad]);
    const baseline = bareSimEventsPerSecond();
    const warmup = runSimulation({ ...DEFAULT_RUN_OPTIONS, seed: WARMUP.seed, durationSeconds: WARMUP.durationS, workload: steadyLoad.name }, { registry });
    if (!warmup.ok || warmup.value.outcome !== "ok") throw new Error(`bench warm-up run (seed ${WARMUP.seed}) failed`);
    let wallMs = 0;
    let virtualS = 0;
    let ops = 0;
    let events = 0;
    for (const seed of SEEDS) {
      const run = runSimulation({ ...DEFAULT_RUN_OPTIONS, seed, durationSeconds: DURATION_S, workload: steadyLoad.name }, { registry });
      if (!run.ok) throw new Error(run.error.message);
      if (run.value.outcome !== "ok") throw new Error(`bench run failed (${run.value.outcome}): ${run.value.replayCommand}`);
      wallMs += run.value.wallMs;
      virtualS += run.value.virtualUs / 1e6;
      ops += Number(run.value.summary["opsOk"] ?? 0);
      events += run.value.eventsProcessed;
    }
    const wallS = wallMs / 1000;
    const eventsPerS = events / wallS;
    return [
      { metric: "bare simulator, traced no-op events (baseline)", value: baseline, unit: "events/s" },
      { metric: "client load achieved", value: ops / virtualS, unit: "ops/virtual-s", target: TARGET_OPS_PER_VIRTUAL_S * 0.8 },
      { metric: "virtual seconds per wall second", value: virtualS / wallS, unit: "virtual-s/s", target: TARGET_VIRTUAL_S_PER_WALL_S },
      { metric: "committed ops per wall second", value: ops / wallS, unit: "ops/s" },
      { metric: "cluster events per wall second", value: eventsPerS, unit: "events/s", ratio: eventsPerS / baseline, baselineMetric: "bare simulator" },
    ];
  },
};
