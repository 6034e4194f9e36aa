/**
 * Scheduler benchmark: place 100,000 VMs on 10,000 hosts with the incremental
 * PlacementIndex, per strategy, and compare placements/s with the target.
 * Run alone with `npx tsx scripts/bench/scheduler.ts`; scripts/bench.ts calls
 * benchScheduler().
 */
import { pathToFileURL } from "node:url";
import { placeVm } from "../../core/src/scheduler/place";
import { PlacementIndex } from "../../core/src/scheduler/placement-index";
import type { Bench, BenchMeasurement } from "../bench";
import type { SchedHost, SchedulerView, Strategy, VmRequest } from "../../core/src/scheduler/types";

export interface BenchResult {
  name: string;
  lines: string[];
  ok: boolean;
}

const HOST_COUNT = 10_000;
const VM_COUNT = 100_000;
const TARGET_PLACEMENTS_PER_S = 50_000;
const SEED = 0x5eed;

/** mulberry32: a tiny seeded generator so every run places the same workload. */
function seededRandom(seed: number): (maxExclusive: number) => number {
  let a = seed >>> 0;
  return (maxExclusive) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % maxExclusive) | 0;
  };
}

const HOST_SHAPES = [
  { vcpus: 32, memoryMib: 131_072, diskGib: 1_000 },
  { vcpus: 64, memoryMib: 262_144, diskGib: 2_000 },
  { vcpus: 128, memoryMib: 524_288, diskGib: 4_000 },
];

function buildHosts(rand: (n: number) => number): SchedHost[] {
  const hosts: SchedHost[] = [];
  for (let i = 0; i < HOST_COUNT; i++) {
    const features = ["kvm"];
    if (rand(100) < 20) features.push("nix");
    if (rand(100) < 5) features.push("gpu");
    const roll = rand(100);
    hosts.push({
      id: `host-${String(i).padStart(5, "0")}`,
      capacity: HOST_SHAPES[rand(HOST_SHAPES.length)] ?? HOST_SHAPES[0]!,
      features,
      status: roll === 0 ? "suspect" : "healthy",
      cordoned: roll === 1 || roll === 2,
      draining: false,
    });
  }
  return hosts;
}

function buildVms(rand: (n: number) => number): VmRequest[] {
  const memories = [512, 1024, 2048, 4096];
  const vms: VmRequest[] = [];
  for (let i = 0; i < VM_COUNT; i++) {
    const requiredFeatures = ["kvm"];
    const roll = rand(100);
    if (roll < 10) requiredFeatures.push("nix");
    if (roll === 99) requiredFeatures.push("gpu");
    vms.push({
      name: `vm-${i}`,
      resources: { vcpus: 1 + rand(4), memoryMib: memories[rand(memories.length)] ?? 512, diskGib: 5 + rand(36) },
      requiredFeatures,
      antiAffinityGroup: rand(100) < 5 ? `group-${rand(500)}` : null,
      priority: rand(1001),
    });
  }
  return vms;
}

function runOne(hosts: readonly SchedHost[], vms: readonly VmRequest[], strategy: Strategy): string {
  const view: SchedulerView = { hosts, placed: [], roundRobinCursor: null };
  const started = performance.now();
  const index = new PlacementIndex(view);
  const built = performance.now();
  let placed = 0;
  for (const vm of vms) {
    if (index.place(vm, strategy).kind === "placed") placed++;
  }
  const finished = performance.now();
  const totalMs = finished - started;
  const perSecond = Math.round((vms.length / totalMs) * 1000);
  const ratio = perSecond / TARGET_PLACEMENTS_PER_S;
  const ok = ratio >= 1 && placed === vms.length;
  return `${ok ? "ok  " : "FAIL"} ${strategy.kind.padEnd(15)} ${perSecond.toLocaleString("en-US")} placements/s, total ${totalMs.toFixed(0)} ms (index build ${(built - started).toFixed(0)} ms), placed ${placed}/${vms.length}, target ${TARGET_PLACEMENTS_PER_S.toLocaleString("en-US")}/s, ratio ${ratio.toFixed(2)}x`;
}

export async function benchScheduler(): Promise<BenchResult> {
  const rand = seededRandom(SEED);
  const hosts = buildHosts(rand);
  const vms = buildVms(rand);
  const strategies: Strategy[] = [{ kind: "most-available" }, { kind: "least-available" }, { kind: "round-robin" }];
  const lines = [`scheduler: ${VM_COUNT.toLocaleString("en-US")} VMs on ${HOST_COUNT.toLocaleString("en-US")} hosts (seed ${SEED})`];
  for (const strategy of strategies) lines.push(runOne(hosts, vms, strategy));
  return { name: "scheduler", lines, ok: lines.slice(1).every((l) => l.startsWith("ok")) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const result = await benchScheduler();
  for (const line of result.lines) console.log(line);
  process.exitCode = result.ok ? 0 : 1;
}

/** Placements through the one-shot function (a full scan per VM): the baseline the index is measured against. */
function oneShotPerSecond(hosts: readonly SchedHost[], vms: readonly VmRequest[], strategy: Strategy): number {
  const sample = vms.slice(0, 300);
  const view: SchedulerView = { hosts, placed: [], roundRobinCursor: null };
  const started = performance.now();
  for (const vm of sample) placeVm(view, vm, strategy);
  return (sample.length * 1000) / (performance.now() - started);
}

function measureIndex(hosts: readonly SchedHost[], vms: readonly VmRequest[], strategy: Strategy): { perSecond: number; totalMs: number; placed: number } {
  const started = performance.now();
  const index = new PlacementIndex({ hosts, placed: [], roundRobinCursor: null });
  let placed = 0;
  for (const vm of vms) if (index.place(vm, strategy).kind === "placed") placed++;
  const totalMs = performance.now() - started;
  return { perSecond: (vms.length * 1000) / totalMs, totalMs, placed };
}

export const schedulerBench: Bench = {
  name: "scheduler",
  description: `place ${VM_COUNT.toLocaleString("en-US")} VMs on ${HOST_COUNT.toLocaleString("en-US")} hosts (incremental index), per strategy`,
  run(): BenchMeasurement[] {
    const rand = seededRandom(SEED);
    const hosts = buildHosts(rand);
    const vms = buildVms(rand);
    const out: BenchMeasurement[] = [];
    for (const strategy of [{ kind: "most-available" }, { kind: "least-available" }, { kind: "round-robin" }] as Strategy[]) {
      const baseline = oneShotPerSecond(hosts, vms, strategy);
      const result = measureIndex(hosts, vms, strategy);
      out.push({ metric: `${strategy.kind}: one-shot full scan (baseline)`, value: baseline, unit: "placements/s" });
      out.push({
        metric: `${strategy.kind}: placements`,
        value: result.perSecond,
        unit: "placements/s",
        target: TARGET_PLACEMENTS_PER_S,
        ratio: result.perSecond / baseline,
        baselineMetric: "one-shot",
      });
      out.push({ metric: `${strategy.kind}: whole batch (${result.placed} placed)`, value: result.totalMs, unit: "ms" });
    }
    return out;
  },
};
