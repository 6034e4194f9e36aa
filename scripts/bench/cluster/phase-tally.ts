import { leaderChangesBetween, leaderOf, nodeDeltas, type ClusterSample } from "./cluster-sample";
import { summarizeLatencies, type LatencySummary } from "./latency";
import type { BenchOp, BenchSystem, PhaseResult } from "./worker-protocol";

/** One measured phase: a system, an operation, a concurrency, one round. */
export interface PhaseFigures {
  readonly system: BenchSystem;
  readonly round: number;
  readonly op: BenchOp;
  readonly clients: number;
  readonly ops: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly elapsedMs: number;
  readonly opsPerS: number;
  readonly latenciesUs: readonly number[];
  readonly leaderFsyncs: number;
  readonly leaderFsyncMs: number;
  /** The followers' fsyncs, averaged over them. */
  readonly followerFsyncs: number;
  readonly serverCpuMs: number;
  readonly leaderCpuMs: number;
  readonly workerCpuMs: number;
  readonly leaderChanges: number;
  readonly gapMsMax: number;
}

/** Every phase of one system, operation and concurrency, added up over the rounds. */
export interface PhaseAggregate {
  readonly ops: number;
  readonly errors: number;
  readonly firstError: string | null;
  /** Operations over the summed phase time. */
  readonly opsPerS: number;
  readonly perRoundOpsPerS: readonly number[];
  readonly latency: LatencySummary;
  readonly leaderFsyncsPerOp: number;
  /** Mean time of one of the leader's durable commits. */
  readonly leaderFsyncMsMean: number;
  /** The leader's time in durable commits over wall time (Blixard's commit blocks its event loop). */
  readonly leaderFsyncShare: number;
  readonly followerFsyncsPerOp: number;
  readonly serverCpuMsPerKOps: number;
  readonly leaderCpuMsPerKOps: number;
  /** Leader process CPU over wall time: how busy the leader was (1.0 = one core). */
  readonly leaderCores: number;
  readonly workerCpuMsPerKOps: number;
  readonly leaderChanges: number;
  readonly gapMsMax: number;
}

export class PhaseTally {
  readonly phases: PhaseFigures[] = [];

  add(system: BenchSystem, round: number, result: PhaseResult, before: ClusterSample, after: ClusterSample): PhaseFigures {
    const deltas = nodeDeltas(before, after);
    const leaderId = (leaderOf(after) ?? leaderOf(before))?.id;
    const leader = deltas.find((d) => d.id === leaderId);
    const followers = deltas.filter((d) => d.id !== leaderId);
    const figures: PhaseFigures = {
      system, round, op: result.op, clients: result.clients, ops: result.ops, errors: result.errors, firstError: result.firstError,
      elapsedMs: result.elapsedMs, opsPerS: (result.ops * 1000) / Math.max(1, result.elapsedMs), latenciesUs: result.latenciesUs,
      leaderFsyncs: leader?.fsyncs ?? Number.NaN, leaderFsyncMs: leader?.fsyncMs ?? Number.NaN,
      followerFsyncs: followers.length === 0 ? Number.NaN : followers.reduce((s, f) => s + f.fsyncs, 0) / followers.length,
      serverCpuMs: deltas.reduce((s, d) => s + d.cpuMs, 0), leaderCpuMs: leader?.cpuMs ?? Number.NaN, workerCpuMs: result.workerCpuMs,
      leaderChanges: leaderChangesBetween(before, after), gapMsMax: result.gapMsMax,
    };
    this.phases.push(figures);
    return figures;
  }

  aggregate(system: BenchSystem, op: BenchOp, clients: number): PhaseAggregate | null {
    const phases = this.phases.filter((p) => p.system === system && p.op === op && p.clients === clients);
    if (phases.length === 0) return null;
    const sum = (pick: (p: PhaseFigures) => number) => phases.reduce((s, p) => s + pick(p), 0);
    const ops = sum((p) => p.ops);
    const elapsedMs = sum((p) => p.elapsedMs);
    const perK = (total: number) => (ops === 0 ? Number.NaN : (total * 1000) / ops);
    return {
      ops, errors: sum((p) => p.errors), firstError: phases.find((p) => p.firstError !== null)?.firstError ?? null,
      opsPerS: (ops * 1000) / Math.max(1, elapsedMs), perRoundOpsPerS: phases.map((p) => p.opsPerS),
      latency: summarizeLatencies(phases.flatMap((p) => p.latenciesUs)),
      leaderFsyncsPerOp: ops === 0 ? Number.NaN : sum((p) => p.leaderFsyncs) / ops,
      leaderFsyncMsMean: sum((p) => p.leaderFsyncMs) / Math.max(1, sum((p) => p.leaderFsyncs)),
      leaderFsyncShare: sum((p) => p.leaderFsyncMs) / Math.max(1, elapsedMs),
      followerFsyncsPerOp: ops === 0 ? Number.NaN : sum((p) => p.followerFsyncs) / ops,
      serverCpuMsPerKOps: perK(sum((p) => p.serverCpuMs)), leaderCpuMsPerKOps: perK(sum((p) => p.leaderCpuMs)),
      leaderCores: sum((p) => p.leaderCpuMs) / Math.max(1, elapsedMs),
      workerCpuMsPerKOps: perK(sum((p) => p.workerCpuMs)),
      leaderChanges: sum((p) => p.leaderChanges), gapMsMax: Math.max(...phases.map((p) => p.gapMsMax)),
    };
  }
}
