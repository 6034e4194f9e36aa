/**
 * Bench runner: `pnpm bench [name...]`. Each module under scripts/bench/ exports
 * a `Bench`; adding one is one line in BENCHES. Results print as a table with
 * the measured value, its target and its ratio to a baseline measured in the
 * same run (so numbers compare across machines). `--strict` exits 1 on a miss.
 *
 * Each bench runs in a process of its own, so that none measures code the
 * JIT compiled for another's types first (the simulator's event loop, trace
 * and network are shared by the toy workload and the Raft cluster). Run after
 * the toy bench in one process, raft-kv read 185, 200 and 138 where it read
 * 210-238 alone minutes before; this machine's noise hides how much of that
 * was the neighbour, but a bench should not depend on its neighbours at all.
 */
import { spawnSync } from "node:child_process";
import { raftKvBench } from "./bench/raft-kv";
import { schedulerBench } from "./bench/scheduler";
import { simSpeedBench } from "./bench/sim-speed";

export interface BenchMeasurement {
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** Minimum acceptable value, if the metric has a target. */
  readonly target?: number;
  /** Value divided by the in-run baseline, when there is one. */
  readonly ratio?: number;
  readonly baselineMetric?: string;
}

export interface Bench {
  readonly name: string;
  readonly description: string;
  run(): BenchMeasurement[];
}

const BENCHES: readonly Bench[] = [simSpeedBench, raftKvBench, schedulerBench];

function format(value: number): string {
  return value >= 1000 ? Math.round(value).toLocaleString("en-US") : value.toFixed(2);
}

function main(args: readonly string[]): number {
  const strict = args.includes("--strict");
  const wanted = args.filter((a) => !a.startsWith("--"));
  const unknown = wanted.filter((w) => !BENCHES.some((b) => b.name === w));
  if (unknown.length > 0) {
    process.stderr.write(`unknown bench: ${unknown.join(", ")}; available: ${BENCHES.map((b) => b.name).join(", ")}\n`);
    return 2;
  }
  const selected = BENCHES.filter((b) => wanted.length === 0 || wanted.includes(b.name));
  if (selected.length > 1) return runIsolated(selected, strict);
  let missed = 0;
  for (const bench of selected) {
    process.stdout.write(`\n== ${bench.name}: ${bench.description}\n`);
    for (const m of bench.run()) {
      const meets = m.target === undefined || m.value >= m.target;
      if (!meets) missed++;
      const target = m.target === undefined ? "" : `  target >= ${format(m.target)} ${meets ? "ok" : "MISSED"}`;
      const ratio = m.ratio === undefined ? "" : `  (${m.ratio.toFixed(3)}x ${m.baselineMetric ?? "baseline"})`;
      process.stdout.write(`  ${m.metric.padEnd(44)} ${format(m.value).padStart(14)} ${m.unit}${ratio}${target}\n`);
    }
  }
  return strict && missed > 0 ? 1 : 0;
}

/** One child process per bench, with this process's runtime flags (the tsx loader, the heap settings). */
function runIsolated(benches: readonly Bench[], strict: boolean): number {
  let status = 0;
  for (const bench of benches) {
    const args = [...process.execArgv, process.argv[1] ?? "", bench.name, ...(strict ? ["--strict"] : [])];
    const child = spawnSync(process.execPath, args, { stdio: "inherit" });
    if (child.error !== undefined) {
      process.stderr.write(`bench ${bench.name} could not start: ${child.error.message}\n`);
      return 2;
    }
    if (child.status !== 0) status = child.status ?? 1;
  }
  return status;
}

process.exitCode = main(process.argv.slice(2));
