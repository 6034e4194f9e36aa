/**
 * Storage stall bench: `pnpm bench:storage`. How long the real disk (SQLite)
 * holds the event loop when a compacted 16 MiB log segment goes away, the way
 * a node's compaction removes it, against the single DELETE it used to be
 * (measured in the same run on an identical database). Also the block of
 * writing and syncing a snapshot-sized file. Figures, not assertions: the
 * machine is shared and noisy.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import { SqliteDisk } from "../../runtime-real/src/sqlite-disk";

// better-sqlite3 is runtime-real's dependency, not the workspace root's.
const Database = createRequire(new URL("../../runtime-real/package.json", import.meta.url))("better-sqlite3") as typeof BetterSqlite3;

const SEGMENT_BYTES = 16 * 1024 * 1024;
/** One replicated write's log record today: an 8-byte key, a 256-byte value, envelope and frame. */
const RECORD_BYTES = 340;
const RECORDS_PER_COMMIT = 256;
const SNAPSHOT_BYTES = 3 * 1024 * 1024;
const RECLAIM_WAIT_MS_MAX = 120_000;

function fillSegment(disk: SqliteDisk, file: string): number {
  const record = new Uint8Array(RECORD_BYTES).fill(7);
  let rows = 0;
  for (let written = 0; written < SEGMENT_BYTES; written += RECORD_BYTES) {
    disk.append(file, record);
    rows++;
    if (rows % RECORDS_PER_COMMIT === 0) disk.sync();
  }
  disk.sync();
  return rows;
}

function legacyDeleteMs(path: string, file: string): number {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  const started = performance.now();
  db.exec("BEGIN IMMEDIATE");
  db.prepare("DELETE FROM chunks WHERE file = ?").run(file);
  db.prepare("DELETE FROM files WHERE name = ?").run(file);
  db.exec("COMMIT");
  const elapsed = performance.now() - started;
  db.close();
  return elapsed;
}

async function reclaimBlock(disk: SqliteDisk, file: string): Promise<{ removeMs: number; maxBlockMs: number; p99BlockMs: number; totalMs: number; steps: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const started = performance.now();
  disk.remove(file);
  disk.sync();
  const removeMs = performance.now() - started;
  histogram.enable();
  let polls = 0;
  while (disk.garbageFiles().length > 0 && performance.now() - started < RECLAIM_WAIT_MS_MAX) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    polls++;
  }
  histogram.disable();
  const totalMs = performance.now() - started;
  // The histogram records how late the loop woke (ns) beyond its 1 ms resolution timer: the longest block.
  return { removeMs, maxBlockMs: histogram.max / 1e6, p99BlockMs: histogram.percentile(99) / 1e6, totalMs, steps: polls };
}

function snapshotWriteMs(disk: SqliteDisk): number {
  const image = new Uint8Array(SNAPSHOT_BYTES).fill(3);
  const started = performance.now();
  disk.overwrite("raft-snapshot", image);
  disk.sync();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "blixard-bench-storage-"));
  try {
    const legacyPath = join(dir, "legacy.sqlite");
    const legacy = SqliteDisk.open({ nodeId: "bench", path: legacyPath });
    const rows = fillSegment(legacy, "raft-wal-000000000000.log");
    legacy.close();
    const baselineMs = legacyDeleteMs(legacyPath, "raft-wal-000000000000.log");

    const disk = SqliteDisk.open({ nodeId: "bench", path: join(dir, "disk.sqlite") });
    fillSegment(disk, "raft-wal-000000000000.log");
    const reclaim = await reclaimBlock(disk, "raft-wal-000000000000.log");
    const snapshotMs = snapshotWriteMs(disk);
    disk.close();

    const line = (metric: string, value: number, unit: string, extra = "") => process.stdout.write(`  ${metric.padEnd(52)} ${value.toFixed(2).padStart(10)} ${unit}${extra}\n`);
    process.stdout.write(`\n== storage-stall: removing a ${SEGMENT_BYTES / 1024 / 1024} MiB segment of ${rows} rows\n`);
    line("baseline: one DELETE of the whole segment (block)", baselineMs, "ms");
    line("remove() + sync (block)", reclaim.removeMs, "ms");
    line("reclaim in batches: longest event-loop block", reclaim.maxBlockMs, "ms", `  (${(baselineMs / Math.max(reclaim.maxBlockMs, 0.001)).toFixed(1)}x shorter than the baseline)`);
    line("reclaim in batches: p99 event-loop block", reclaim.p99BlockMs, "ms");
    line("reclaim in batches: wall time until all chunks are gone", reclaim.totalMs, "ms");
    line(`overwrite + sync of a ${SNAPSHOT_BYTES / 1024 / 1024} MiB snapshot (block)`, snapshotMs, "ms");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
