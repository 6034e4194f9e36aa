import cliProgress from "cli-progress";
import type { ChalkInstance } from "chalk";
import { FAULT_CLASSES, runSimulation, type RunOptions, type RunReport } from "@blixard/runtime-sim";
import { reportJson } from "./format";

/** Progress lines for a sweep that has no terminal to draw a bar on. */
const PROGRESS_EVERY_SEEDS = 100;

/** Run `count` consecutive seeds; print a progress bar (TTY only), a table and the failures. Returns the exit code. */
export function runSweep(base: RunOptions, count: number, json: boolean, c: ChalkInstance, out: (line: string) => void): number {
  const showBar = !json && process.stderr.isTTY === true;
  const bar = new cliProgress.SingleBar({ format: "sim {bar} {value}/{total} seeds | failures: {failures} | seed {seed}", stream: process.stderr }, cliProgress.Presets.shades_classic);
  if (showBar) bar.start(count, 0, { failures: 0, seed: base.seed });
  const reports: RunReport[] = [];
  let failures = 0;
  for (let i = 0; i < count; i++) {
    const options = { ...base, seed: base.seed + i };
    const result = runSimulation(options);
    if (!result.ok) {
      if (showBar) bar.stop();
      out(c.red(`error: ${result.error.message}${result.error.hint ? ` (${result.error.hint})` : ""}`));
      return 2;
    }
    // Keep what the table and the JSON print, not the client history: thousands of seeds held ~1 MB each.
    reports.push({ ...result.value, history: null });
    if (result.value.outcome !== "ok") failures++;
    if (showBar) bar.update(i + 1, { failures, seed: options.seed });
    // Without a terminal (CI, a log file) a long sweep says where it is every PROGRESS_EVERY_SEEDS seeds.
    else if (!json && (i + 1) % PROGRESS_EVERY_SEEDS === 0 && i + 1 < count) process.stderr.write(`sim: ${i + 1}/${count} seeds, ${failures} failed\n`);
  }
  if (showBar) bar.stop();
  if (json) {
    out(JSON.stringify({ seeds: count, failures, runs: reports.map(reportJson) }));
    return failures === 0 ? 0 : 1;
  }
  out(c.bold(`seed        outcome     events   ev/wall-s  ${FAULT_CLASSES.map((k) => k.slice(0, 5).padStart(6)).join("")}  trace`));
  for (const r of reports) {
    const outcome = r.outcome === "ok" ? c.green("ok".padEnd(10)) : c.red(r.outcome.padEnd(10));
    const faults = FAULT_CLASSES.map((k) => String(r.faults[k]).padStart(6)).join("");
    out(`${String(r.options.seed).padEnd(11)} ${outcome}  ${String(r.eventsProcessed).padStart(7)}  ${String(r.eventsPerWallSecond).padStart(9)}  ${faults}  ${r.traceHash.slice(0, 16)}`);
  }
  const totalWallMs = reports.reduce((sum, r) => sum + r.wallMs, 0);
  out(`${count} seeds, ${failures} failed, ${(totalWallMs / 1000).toFixed(1)}s wall`);
  for (const r of reports) {
    if (r.failure === null) continue;
    out(c.red(`seed ${r.options.seed}: ${r.failure.kind} ${r.failure.name}: ${r.failure.description}`));
    out(`  replay: ${r.replayCommand}`);
  }
  return failures === 0 ? 0 : 1;
}
