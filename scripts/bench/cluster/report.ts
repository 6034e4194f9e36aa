import type { PhaseAggregate, PhaseTally } from "./phase-tally";
import type { BenchSystem } from "./worker-protocol";

export interface BenchReport {
  readonly tally: PhaseTally;
  readonly clients: readonly number[];
  readonly leaderChanges: ReadonlyMap<BenchSystem, number>;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly etcdRan: boolean;
}

/** Targets from issue 13. */
export const WRITES_RATIO_TARGET = 1.0;
export const WRITES_RATIO_CLIENTS = [16, 64];
export const P99_MS_TARGET_AT_ONE_CLIENT = 10;

function num(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return "-";
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString("en-US") : value.toFixed(digits);
}

type Row = [label: string, pick: (a: PhaseAggregate) => number, digits?: number];

function block(tally: PhaseTally, clients: number, etcdRan: boolean): void {
  const systems: BenchSystem[] = etcdRan ? ["blixard", "etcd"] : ["blixard"];
  const put = systems.map((s) => tally.aggregate(s, "put", clients));
  const get = systems.map((s) => tally.aggregate(s, "get", clients));
  process.stdout.write(`\n-- ${clients} client${clients === 1 ? "" : "s"}${" ".repeat(36)}${systems.map((s) => s.padStart(12)).join("")}${etcdRan ? "   blixard/etcd" : ""}\n`);
  const line = (label: string, values: Array<PhaseAggregate | null>, pick: (a: PhaseAggregate) => number, digits = 2, ratio = false) => {
    const numbers = values.map((v) => (v === null ? Number.NaN : pick(v)));
    const shown = numbers.map((n) => num(n, digits).padStart(12)).join("");
    const r = ratio && etcdRan && numbers.length === 2 ? `   ${num((numbers[0] ?? 0) / (numbers[1] ?? 1), 2)}x` : "";
    process.stdout.write(`  ${label.padEnd(44)}${shown}${r}\n`);
  };
  line("writes/s (puts)", put, (a) => a.opsPerS, 0, true);
  const rounds = put.map((a, i) => `${systems[i] ?? ""} ${a === null ? "-" : a.perRoundOpsPerS.map((v) => v.toFixed(0)).join(" ")}`);
  process.stdout.write(`  ${"  writes/s in each round".padEnd(44)}${rounds.join(";  ")}\n`);
  const latencyRows: Row[] = [["  put latency p50 ms", (a) => a.latency.p50Ms], ["  put latency p99 ms", (a) => a.latency.p99Ms], ["  put latency p99.9 ms", (a) => a.latency.p999Ms], ["  put latency max ms", (a) => a.latency.maxMs]];
  for (const [label, pick] of latencyRows) line(label, put, pick, 2, true);
  line("linearizable reads/s (gets)", get, (a) => a.opsPerS, 0, true);
  for (const [label, pick] of latencyRows) line(label.replace("put", "get"), get, pick, 2, true);
  line("fsyncs per write, leader", put, (a) => a.leaderFsyncsPerOp, 3);
  line("fsyncs per write, each follower", put, (a) => a.followerFsyncsPerOp, 3);
  line("leader fsync (durable commit) mean ms", put, (a) => a.leaderFsyncMsMean, 3);
  line("leader time in fsync during puts (share)", put, (a) => a.leaderFsyncShare, 2);
  line("server CPU ms per 1k writes (3 processes)", put, (a) => a.serverCpuMsPerKOps, 0, true);
  line("leader CPU ms per 1k writes", put, (a) => a.leaderCpuMsPerKOps, 0, true);
  line("leader busy during puts (cores)", put, (a) => a.leaderCores, 2);
  line("client CPU ms per 1k writes (load worker)", put, (a) => a.workerCpuMsPerKOps, 0);
  line("longest time without an answer, ms", put.map((p, i) => (p === null ? null : { ...p, gapMsMax: Math.max(p.gapMsMax, get[i]?.gapMsMax ?? 0) })), (a) => a.gapMsMax, 1);
  line("failed operations", put.map((p, i) => (p === null ? null : { ...p, errors: p.errors + (get[i]?.errors ?? 0) })), (a) => a.errors, 0);
  for (const [i, system] of systems.entries()) {
    const failure = put[i]?.firstError ?? get[i]?.firstError;
    if (failure !== null && failure !== undefined) process.stdout.write(`  ${system} first failure: ${failure.slice(0, 200)}\n`);
  }
}

/** Prints the tables and the targets; returns how many targets are below. */
export function printReport(report: BenchReport): number {
  const { tally, clients, etcdRan } = report;
  process.stdout.write("\n== results: every round added up (latency percentiles over every operation of every round)\n");
  for (const c of clients) block(tally, c, etcdRan);
  process.stdout.write(`\n== targets (load average before ${report.loadBefore.map((l) => l.toFixed(2)).join(" ")}, after ${report.loadAfter.map((l) => l.toFixed(2)).join(" ")}; 2 cores shared with other work)\n`);
  let below = 0;
  const target = (label: string, value: string, goal: string, meets: boolean | null) => {
    if (meets === false) below++;
    process.stdout.write(`  ${label.padEnd(44)}${value.padStart(14)}   target ${goal.padEnd(12)} ${meets === null ? "not measured" : meets ? "ok" : "below"}\n`);
  };
  for (const c of WRITES_RATIO_CLIENTS.filter((c) => clients.includes(c))) {
    const b = tally.aggregate("blixard", "put", c);
    const e = etcdRan ? tally.aggregate("etcd", "put", c) : null;
    const ratio = b !== null && e !== null && e.opsPerS > 0 ? b.opsPerS / e.opsPerS : Number.NaN;
    target(`writes/s at ${c} clients, Blixard / etcd`, `${num(ratio)}x`, `>= ${WRITES_RATIO_TARGET.toFixed(1)}x`, Number.isFinite(ratio) ? ratio >= WRITES_RATIO_TARGET : null);
  }
  const single = tally.aggregate("blixard", "put", 1);
  if (single !== null) target("Blixard put p99 at 1 client", `${num(single.latency.p99Ms)} ms`, `< ${P99_MS_TARGET_AT_ONE_CLIENT} ms`, single.latency.p99Ms < P99_MS_TARGET_AT_ONE_CLIENT);
  const changes = report.leaderChanges.get("blixard") ?? Number.NaN;
  const etcdChanges = report.leaderChanges.get("etcd");
  target("Blixard leader changes during the run", `${num(changes, 0)}${etcdChanges === undefined ? "" : ` (etcd ${etcdChanges})`}`, "0", changes === 0);
  const fsyncs = clients.map((c) => num(tally.aggregate("blixard", "put", c)?.leaderFsyncsPerOp ?? Number.NaN, 3)).join(" / ");
  const etcdFsyncs = etcdRan ? clients.map((c) => num(tally.aggregate("etcd", "put", c)?.leaderFsyncsPerOp ?? Number.NaN, 3)).join(" / ") : "";
  process.stdout.write(`  ${"Blixard leader fsyncs per write".padEnd(44)}${fsyncs.padStart(14)}   at ${clients.join("/")} clients${etcdRan ? ` (etcd WAL fsyncs: ${etcdFsyncs})` : ""}\n`);
  process.stdout.write("\nMeasured: closed-loop clients (each waits for its answer, then sends the next) on loopback; writes/s = acknowledged puts over the phase's wall time;\n" +
    "latency = from sending to the acknowledgement, as the client sees it; every acknowledged write is fsynced on a majority (both systems, default durability);\n" +
    "fsyncs = Blixard's durable SQLite commits (blixard_disk_fsync_duration_seconds_count), etcd's WAL fsyncs (etcd_disk_wal_fsync_duration_seconds_count), per acknowledged put.\n");
  return below;
}
