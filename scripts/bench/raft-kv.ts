/**
 * Raft KV benchmark: a 5-node simulated cluster under a steady KV client load
 * with every fault class (medium intensity). Reports virtual seconds per wall
 * second and committed client operations per wall second, against the target
 * of 200 virtual s per wall s at 100 client ops per virtual second, for each
 * read path (lease reads, the fast one, carry the target; ReadIndex is shown
 * beside it). The baseline, measured in the same run, is the bare simulator
 * (traced no-op events): the ratio says how much of the raw event rate
 * Blixard's own work leaves.
 */
import { defaultNodeConfig, type NodeConfig } from "../../core/src/index";
import { DEFAULT_RUN_OPTIONS, runSimulation, ScenarioRegistry, Simulation, type Scenario } from "../../runtime-sim/src/index";
import { attachKvWorkload, BlixardCluster, DEFAULT_KV_WORKLOAD, FAULT_CLASSES } from "../../runtime-sim/src/index";
import type { Bench, BenchMeasurement } from "../bench";

const TARGET_VIRTUAL_S_PER_WALL_S = 200;
const TARGET_OPS_PER_VIRTUAL_S = 100;
const DURATION_S = 60;
const THINK_TIME_MS_MEAN = 85;
const SEEDS = [101, 102, 103];
/**
 * Unmeasured runs first, so the figures are the steady state and not the JIT's
 * warm-up: after one 20 s run the first measured seeds ran 20-30% slower than
 * later ones, after two full-length runs still 10-20%; five bring them close.
 */
const WARMUP = { seeds: [95, 96, 97, 98, 99], durationS: DURATION_S };

/**
 * The nodes run the product's defaults. Simulations draw a snapshot threshold
 * per run (64, 200 or 1000 entries) so that compaction and snapshot installs
 * are routine under test; the benchmark measures what an operator runs.
 */
const PRODUCT_SNAPSHOT_THRESHOLD_ENTRIES = defaultNodeConfig("bench", []).snapshotThresholdEntries;

/**
 * 16 closed-loop clients thinking 85 ms on average: on the measured seeds,
 * with faults, 104 (lease) and 103 (read-index) committed ops per virtual
 * second, just above the target load; the "client load achieved" line holds
 * every run to at least 100. (80 ms offered 106-108, more load than the
 * target names.)
 */
function steadyLoad(readMode: NodeConfig["readMode"]): Scenario {
  const nodeConfig = { readMode, snapshotThresholdEntries: PRODUCT_SNAPSHOT_THRESHOLD_ENTRIES };
  return {
    name: `kv-steady-${readMode}`,
    description: `bench: KV clients at about 100 ops per virtual second, ${readMode} reads`,
    supportedFaults: FAULT_CLASSES,
    setup: (context) => attachKvWorkload(context, new BlixardCluster(context.sim, context.nodeIds, { nodeConfig }), { ...DEFAULT_KV_WORKLOAD, thinkTimeMsMean: THINK_TIME_MS_MEAN }, 16),
  };
}

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

interface Totals {
  wallS: number;
  virtualS: number;
  ops: number;
  events: number;
}

/**
 * The measured seeds run this many times and the median repetition is
 * reported: this machine's speed drifts by ±15% over seconds, and one slow
 * patch would otherwise decide the figure. The spread is printed beside it.
 */
const REPETITIONS = 3;

function measure(readMode: NodeConfig["readMode"]): { median: Totals; fastest: Totals; slowest: Totals } {
  const scenario = steadyLoad(readMode);
  const registry = new ScenarioRegistry([scenario]);
  const run = (seed: number, durationSeconds: number) => {
    const result = runSimulation({ ...DEFAULT_RUN_OPTIONS, seed, durationSeconds, workload: scenario.name }, { registry });
    if (!result.ok) throw new Error(result.error.message);
    if (result.value.outcome !== "ok") throw new Error(`bench run failed (${result.value.outcome}, ${readMode} reads): ${result.value.replayCommand}`);
    return result.value;
  };
  for (const seed of WARMUP.seeds) run(seed, WARMUP.durationS);
  const repetitions: Totals[] = [];
  for (let k = 0; k < REPETITIONS; k++) {
    const totals: Totals = { wallS: 0, virtualS: 0, ops: 0, events: 0 };
    for (const seed of SEEDS) {
      const report = run(seed, DURATION_S);
      totals.wallS += report.wallMs / 1000;
      totals.virtualS += report.virtualUs / 1e6;
      totals.ops += Number(report.summary["opsOk"] ?? 0);
      totals.events += report.eventsProcessed;
    }
    repetitions.push(totals);
  }
  // Every repetition simulates the same runs (same seeds, same events): only the wall time differs.
  repetitions.sort((a, b) => a.wallS - b.wallS);
  return { median: repetitions[Math.floor(repetitions.length / 2)] as Totals, fastest: repetitions[0] as Totals, slowest: repetitions[repetitions.length - 1] as Totals };
}

export const raftKvBench: Bench = {
  name: "raft-kv",
  description: `5-node cluster with default node config, steady KV load, all faults, ${DURATION_S} virtual s x ${SEEDS.length} seeds per read path, after a ${WARMUP.seeds.length} x ${WARMUP.durationS} s warm-up, median of ${REPETITIONS} repetitions`,
  run(): BenchMeasurement[] {
    const baseline = bareSimEventsPerSecond();
    const out: BenchMeasurement[] = [{ metric: "bare simulator, traced no-op events (baseline)", value: baseline, unit: "events/s" }];
    for (const readMode of ["lease", "read-index"] as const) {
      const { median: t, fastest, slowest } = measure(readMode);
      const eventsPerS = t.events / t.wallS;
      const carriesTarget = readMode === "lease";
      out.push(
        { metric: `[${readMode}] client load achieved`, value: t.ops / t.virtualS, unit: "ops/virtual-s", target: TARGET_OPS_PER_VIRTUAL_S },
        { metric: `[${readMode}] virtual seconds per wall second`, value: t.virtualS / t.wallS, unit: "virtual-s/s", ...(carriesTarget ? { target: TARGET_VIRTUAL_S_PER_WALL_S } : {}) },
        { metric: `[${readMode}]   slowest / fastest of ${REPETITIONS}`, value: slowest.virtualS / slowest.wallS, unit: `/ ${(fastest.virtualS / fastest.wallS).toFixed(2)} virtual-s/s` },
        { metric: `[${readMode}] committed ops per wall second`, value: t.ops / t.wallS, unit: "ops/s" },
        { metric: `[${readMode}] cluster events per wall second`, value: eventsPerS, unit: "events/s", ratio: eventsPerS / baseline, baselineMetric: "bare simulator" },
      );
    }
    return out;
  },
};
