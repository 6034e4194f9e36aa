/**
 * Cluster soak: `pnpm soak:cluster`. Three real `blixard node` processes on
 * loopback take 200,000 puts from 64 closed-loop clients (8-byte keys,
 * 256-byte values; the load worker of pnpm bench:cluster). It passes when no
 * leader changed, no client waited more than 500 ms for an answer, and no
 * operation failed; it exits 1 otherwise, naming what failed. The writes run
 * in chunks so progress (and a slowdown, e.g. around a snapshot) shows as it
 * happens; a chunk ends when its writes are done, and the whole run is bounded
 * by --max-s.
 *
 *   pnpm soak:cluster [--writes 200000] [--clients 64] [--max-s 900]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BlixardBenchCluster } from "./cluster/blixard-cluster";
import { Cleanup } from "./cluster/cleanup";
import { leaderChangesBetween, leaderOf, nodeDeltas } from "./cluster/cluster-sample";
import { summarizeLatencies } from "./cluster/latency";
import { LoadWorker } from "./cluster/load-worker-handle";

const repoRoot = join(import.meta.dirname, "..", "..");
const CHUNKS = 10;
/** The longest a client may wait for an answer (issue 13). */
const CLIENT_PAUSE_MS_MAX = 500;

function flag(argv: readonly string[], name: string, fallback: number, min: number, max: number): number {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const n = Number(argv[at + 1]);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got ${String(argv[at + 1])}`);
  return n;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const writes = flag(argv, "--writes", 200_000, 100, 10_000_000);
  const clients = flag(argv, "--clients", 64, 1, 256);
  const maxMs = flag(argv, "--max-s", 900, 10, 3_600) * 1000;
  const cleanup = new Cleanup();
  const root = mkdtempSync(join(tmpdir(), "blixard-soak-"));
  cleanup.add(() => rmSync(root, { recursive: true, force: true }));
  process.stdout.write(`== cluster soak: ${writes.toLocaleString("en-US")} puts from ${clients} closed-loop clients on 3 real nodes; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
  try {
    const fresh = (await import(join(repoRoot, "cli", "build", "fresh.mjs"))) as { ensureFreshBuild(): Promise<unknown> };
    await fresh.ensureFreshBuild();
    const cluster = await BlixardBenchCluster.start(repoRoot, root);
    cleanup.add(() => cluster.stop());
    const worker = await LoadWorker.start(repoRoot, { system: "blixard", endpoints: await cluster.endpoints(), clientsMax: clients });
    cleanup.add(() => worker.close());
    const first = await cluster.sample();
    const startedMs = performance.now();
    const latenciesUs: number[] = [];
    let done = 0;
    let errors = 0;
    let firstError: string | null = null;
    let gapMsMax = 0;
    let clientGapMsMax = 0;
    let leaderFsyncs = 0;
    for (let chunk = 1; chunk <= CHUNKS && done < writes; chunk++) {
      const leftMs = maxMs - (performance.now() - startedMs);
      if (leftMs <= 0) break;
      const target = Math.ceil((writes * chunk) / CHUNKS) - done;
      const before = await cluster.sample();
      const result = await worker.phase({ op: "put", clients, durationMs: leftMs, opsMax: target, seed: 1000 + chunk });
      const after = await cluster.sample();
      done += result.ops;
      errors += result.errors;
      firstError ??= result.firstError;
      gapMsMax = Math.max(gapMsMax, result.gapMsMax);
      clientGapMsMax = Math.max(clientGapMsMax, result.clientGapMsMax);
      latenciesUs.push(...result.latenciesUs);
      const leader = nodeDeltas(before, after).find((d) => d.id === leaderOf(after)?.id);
      leaderFsyncs += leader?.fsyncs ?? 0;
      const l = summarizeLatencies(result.latenciesUs);
      process.stdout.write(
        `   ${String(done).padStart(9)} writes  ${((result.ops * 1000) / result.elapsedMs).toFixed(0).padStart(6)} writes/s  p99 ${l.p99Ms.toFixed(1)} ms  max ${l.maxMs.toFixed(1)} ms  ` +
          `longest client wait ${result.clientGapMsMax.toFixed(0)} ms  leader changes ${leaderChangesBetween(before, after)}  leader ${leaderOf(after)?.id ?? "none"}${result.errors > 0 ? `  errors ${result.errors}` : ""}\n`,
      );
    }
    const elapsedMs = performance.now() - startedMs;
    const last = await cluster.sample();
    const leaderChanges = leaderChangesBetween(first, last);
    const l = summarizeLatencies(latenciesUs);
    const failures: string[] = [];
    if (done < writes) failures.push(`only ${done} of ${writes} writes were acknowledged within ${maxMs / 1000} s`);
    if (leaderChanges > 0) failures.push(`${leaderChanges} leader change(s)`);
    if (clientGapMsMax > CLIENT_PAUSE_MS_MAX) failures.push(`a client waited ${clientGapMsMax.toFixed(0)} ms for an answer (limit ${CLIENT_PAUSE_MS_MAX} ms)`);
    if (errors > 0) failures.push(`${errors} failed operation(s), first: ${firstError ?? "?"}`);
    process.stdout.write(
      `\n   writes acknowledged          ${done.toLocaleString("en-US")} in ${(elapsedMs / 1000).toFixed(1)} s (${((done * 1000) / elapsedMs).toFixed(0)} writes/s)\n` +
        `   latency p50/p99/p99.9/max    ${l.p50Ms.toFixed(2)} / ${l.p99Ms.toFixed(2)} / ${l.p999Ms.toFixed(2)} / ${l.maxMs.toFixed(2)} ms\n` +
        `   longest client wait          ${clientGapMsMax.toFixed(1)} ms (limit ${CLIENT_PAUSE_MS_MAX} ms); longest time no client got an answer ${gapMsMax.toFixed(1)} ms\n` +
        `   leader changes               ${leaderChanges} (limit 0)\n` +
        `   leader fsyncs per write      ${(leaderFsyncs / Math.max(1, done)).toFixed(3)}\n` +
        `   failed operations            ${errors}\n` +
        `   load average after           ${loadavg().map((x) => x.toFixed(2)).join(" ")}\n` +
        `\n${failures.length === 0 ? "PASS" : `FAIL: ${failures.join("; ")}`}\n`,
    );
    return failures.length === 0 ? 0 : 1;
  } finally {
    await cleanup.run();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak:cluster failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
