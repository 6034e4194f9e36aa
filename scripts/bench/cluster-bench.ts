/**
 * Cluster bench: `pnpm bench:cluster`. Three real `blixard node` processes and
 * three real etcd members (Debian's etcd-server) on loopback, started by this
 * run; closed-loop clients at 1, 16 and 64 doing puts and then linearizable
 * gets (8-byte keys, 256-byte values). The two systems run in alternating
 * short phases, several rounds, so the noise of this shared machine falls on
 * both; every figure is printed beside etcd's and the targets say ok or below.
 * Figures, not assertions; `--strict` exits 1 when a target is below.
 *
 *   pnpm bench:cluster [--rounds 3] [--put-s 4] [--get-s 2] [--clients 1,16,64] [--strict]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BlixardBenchCluster } from "./cluster/blixard-cluster";
import { Cleanup } from "./cluster/cleanup";
import { leaderChangesBetween, type BenchCluster, type ClusterSample } from "./cluster/cluster-sample";
import { EtcdBenchCluster, etcdUnavailable } from "./cluster/etcd-cluster";
import { LoadWorker } from "./cluster/load-worker-handle";
import { PhaseTally, type PhaseFigures } from "./cluster/phase-tally";
import { printReport, type BenchReport } from "./cluster/report";
import { KEY_BYTES, VALUE_BYTES } from "./cluster/workload";
import type { BenchOp, BenchSystem } from "./cluster/worker-protocol";

const repoRoot = join(import.meta.dirname, "..", "..");

/** The nodes run the built CLI: make cli/dist current once, before three launchers race to. */
async function ensureFreshBuild(): Promise<{ why: string; elapsedMs: number } | null> {
  const fresh = (await import(join(repoRoot, "cli", "build", "fresh.mjs"))) as { ensureFreshBuild(): Promise<{ why: string; elapsedMs: number } | null> };
  return fresh.ensureFreshBuild();
}

interface BenchArgs {
  readonly rounds: number;
  readonly putMs: number;
  readonly getMs: number;
  readonly warmupMs: number;
  readonly clients: readonly number[];
  readonly strict: boolean;
}

function parseArgs(argv: readonly string[]): BenchArgs {
  const value = (flag: string, fallback: number, min: number, max: number): number => {
    const at = argv.indexOf(flag);
    if (at < 0) return fallback;
    const n = Number(argv[at + 1]);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${flag} must be a number from ${min} to ${max}, got ${String(argv[at + 1])}`);
    return n;
  };
  const clientsAt = argv.indexOf("--clients");
  const clients = clientsAt < 0 ? [1, 16, 64] : String(argv[clientsAt + 1]).split(",").map(Number);
  if (clients.some((c) => !Number.isInteger(c) || c < 1 || c > 256)) throw new Error("--clients takes counts from 1 to 256, comma-separated, e.g. 1,16,64");
  return {
    rounds: value("--rounds", 3, 1, 20),
    putMs: value("--put-s", 4, 0.5, 120) * 1000,
    getMs: value("--get-s", 2, 0, 120) * 1000,
    warmupMs: value("--warmup-s", 3, 0, 60) * 1000,
    clients,
    strict: argv.includes("--strict"),
  };
}

interface Side {
  readonly cluster: BenchCluster;
  readonly worker: LoadWorker;
  readonly first: ClusterSample;
}

async function measure(side: Side, op: BenchOp, clients: number, durationMs: number, seed: number, tally: PhaseTally, round: number): Promise<PhaseFigures> {
  const before = await side.cluster.sample();
  const result = await side.worker.phase({ op, clients, durationMs, opsMax: Number.MAX_SAFE_INTEGER, seed });
  const after = await side.cluster.sample();
  return tally.add(side.cluster.system, round, result, before, after);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const cleanup = new Cleanup();
  const root = mkdtempSync(join(tmpdir(), "blixard-bench-cluster-"));
  cleanup.add(() => rmSync(root, { recursive: true, force: true }));
  const loadBefore = loadavg();
  process.stdout.write(`== cluster bench: ${args.clients.join("/")} closed-loop clients, puts then linearizable gets, ${KEY_BYTES}-byte keys, ${VALUE_BYTES}-byte values\n`);
  process.stdout.write(`   ${args.rounds} rounds of alternating phases (${args.putMs / 1000} s puts + ${args.getMs / 1000} s gets per system and concurrency); load average ${loadBefore.map((l) => l.toFixed(2)).join(" ")}\n`);
  try {
    const rebuilt = await ensureFreshBuild();
    if (rebuilt !== null) process.stdout.write(`   ${rebuilt.why}; rebuilt cli/dist in ${rebuilt.elapsedMs} ms\n`);
    const sides = new Map<BenchSystem, Side>();
    const startSide = async (cluster: BenchCluster, clientsMax: number) => {
      cleanup.add(() => cluster.stop());
      const worker = await LoadWorker.start(repoRoot, { system: cluster.system, endpoints: await cluster.endpoints(), clientsMax });
      cleanup.add(() => worker.close());
      sides.set(cluster.system, { cluster, worker, first: await cluster.sample() });
      process.stdout.write(`   ${cluster.description}\n`);
    };
    const clientsMax = Math.max(...args.clients);
    const etcdMissing = etcdUnavailable();
    if (etcdMissing === null) await startSide(await EtcdBenchCluster.start(join(root, "etcd")), clientsMax);
    else process.stdout.write(`   etcd: not run, ${etcdMissing}; Blixard alone, no ratios\n`);
    await startSide(await BlixardBenchCluster.start(repoRoot, join(root, "blixard")), clientsMax);
    process.stdout.write("   clients: one load-worker process per system; Blixard: one connection and session per client, leader found by the client; etcd: the etcd3 client on the leader's URL (one gRPC connection)\n");

    const tally = new PhaseTally();
    const order = [...sides.values()];
    if (args.warmupMs > 0) for (const side of order) await side.worker.phase({ op: "put", clients: Math.min(16, clientsMax), durationMs: args.warmupMs, opsMax: Number.MAX_SAFE_INTEGER, seed: 1 });
    let seed = 100;
    for (let round = 1; round <= args.rounds; round++) {
      for (const [ci, clients] of args.clients.entries()) {
        // Alternate which system goes first, so neither always follows the other's disk traffic.
        const turn = (round + ci) % 2 === 0 ? order : [...order].reverse();
        for (const side of turn) {
          const put = await measure(side, "put", clients, args.putMs, seed++, tally, round);
          const get = args.getMs > 0 ? await measure(side, "get", clients, args.getMs, seed++, tally, round) : null;
          process.stdout.write(`   round ${round} ${String(clients).padStart(3)} clients ${side.cluster.system.padEnd(7)} ${put.opsPerS.toFixed(0).padStart(6)} puts/s${get === null ? "" : `  ${get.opsPerS.toFixed(0).padStart(6)} gets/s`}${put.errors + (get?.errors ?? 0) > 0 ? `  errors ${put.errors + (get?.errors ?? 0)}` : ""}\n`);
        }
      }
    }
    const leaderChanges = new Map<BenchSystem, number>();
    for (const side of order) {
      const last = await side.cluster.sample();
      leaderChanges.set(side.cluster.system, leaderChangesBetween(side.first, last));
    }
    const report: BenchReport = { tally, clients: args.clients, leaderChanges, loadBefore, loadAfter: loadavg(), etcdRan: sides.has("etcd") };
    const belowTargets = printReport(report);
    return args.strict && belowTargets > 0 ? 1 : 0;
  } finally {
    await cleanup.run();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench:cluster failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
