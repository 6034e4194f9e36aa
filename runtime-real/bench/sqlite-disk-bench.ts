/**
 * Synced commits per second of SqliteDisk (WAL, synchronous=FULL):
 *   single: append one 100-byte entry, sync — the latency-bound Raft case;
 *   batch:  append 100 such entries, sync — one Ready with many entries.
 * Run: npx tsx runtime-real/bench/sqlite-disk-bench.ts [dir]  (dir defaults to the OS temp dir)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteDisk } from "../src/sqlite-disk";

const DURATION_MS = 3_000;
const MAX_COMMITS = 100_000;
const ENTRY_BYTES = 100;

function measure(label: string, entriesPerCommit: number, baseDir: string): void {
  const dir = mkdtempSync(join(baseDir, "blixard-bench-"));
  const disk = SqliteDisk.open({ nodeId: "bench", path: join(dir, "disk.sqlite") });
  const entry = new Uint8Array(ENTRY_BYTES).fill(7);
  const startMs = performance.now();
  let commits = 0;
  while (commits < MAX_COMMITS && performance.now() - startMs < DURATION_MS) {
    for (let i = 0; i < entriesPerCommit; i++) disk.append("log", entry);
    disk.sync();
    commits++;
  }
  const seconds = (performance.now() - startMs) / 1_000;
  const bytes = disk.read("log")?.length ?? 0;
  disk.close();
  rmSync(dir, { recursive: true, force: true });
  const perSec = commits / seconds;
  console.log(
    `${label.padEnd(22)} ${perSec.toFixed(0).padStart(7)} synced commits/s  ${(perSec * entriesPerCommit).toFixed(0).padStart(8)} entries/s  ` +
      `${((1_000 * seconds) / commits).toFixed(3)} ms/commit  (${commits} commits, ${bytes} bytes)`,
  );
}

const baseDir = process.argv[2] ?? tmpdir();
console.log(`SqliteDisk bench in ${baseDir}, ${DURATION_MS} ms per case, ${ENTRY_BYTES}-byte entries`);
measure("1 append + sync", 1, baseDir);
measure("100 appends + sync", 100, baseDir);
