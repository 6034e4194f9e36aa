import { randomInt } from "node:crypto";
import { Chalk, type ChalkInstance } from "chalk";
import { parseFaultClasses, parseIntensity, runSimulation, type RunOptions } from "@blixard/runtime-sim";
import { formatReport, reportJson } from "./format";
import { JsonLinesWriter } from "./jsonl-writer";
import { runSweep } from "./sweep";

export interface SimArgs {
  readonly seed?: string;
  readonly seeds: number;
  readonly nodes: number;
  readonly duration: number;
  readonly faults: string;
  readonly intensity: string;
  readonly workload: string;
  readonly trace?: string;
  readonly history?: string;
  readonly json: boolean;
}

const MAX_SWEEP_SEEDS = 100_000;

/** Resolve the seed: --seed, then $SEED, then a fresh random one (printed so the run can be replayed). */
function resolveSeed(args: SimArgs, env: NodeJS.ProcessEnv): { seed: number; note: string } | string {
  const text = args.seed ?? env.SEED;
  if (text === undefined || text === "") {
    const seed = randomInt(0, 2 ** 31);
    return { seed, note: ` (random; replay with SEED=${seed})` };
  }
  if (!/^\d{1,16}$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) return `seed must be a non-negative integer, got "${text}"`;
  return { seed: Number(text), note: "" };
}

/** `blixard sim`; returns the process exit code (0 ok, 1 failure found, 2 bad usage). */
export function runSimCommand(args: SimArgs, env: NodeJS.ProcessEnv): number {
  const colorful = !args.json && process.stdout.isTTY === true;
  const c: ChalkInstance = new Chalk({ level: colorful ? 1 : 0 });
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const usage = (message: string): number => {
    process.stderr.write(`blixard sim: ${message}\n`);
    return 2;
  };
  const seed = resolveSeed(args, env);
  if (typeof seed === "string") return usage(seed);
  const faults = parseFaultClasses(args.faults);
  if (!faults.ok) return usage(`${faults.error.message}${faults.error.hint ? ` (${faults.error.hint})` : ""}`);
  const intensity = parseIntensity(args.intensity);
  if (!intensity.ok) return usage(intensity.error.message);
  if (!Number.isSafeInteger(args.seeds) || args.seeds < 1 || args.seeds > MAX_SWEEP_SEEDS) return usage(`--seeds must be an integer in [1, ${MAX_SWEEP_SEEDS}]`);
  const options: RunOptions = { seed: seed.seed, nodes: args.nodes, durationSeconds: args.duration, faults: faults.value, intensity: intensity.value, workload: args.workload };
  if (args.seeds > 1) {
    if (args.trace !== undefined || args.history !== undefined) return usage("--trace and --history apply to a single run; drop --seeds to use them");
    return runSweep(options, args.seeds, args.json, c, out);
  }
  const traceWriter = args.trace === undefined ? undefined : new JsonLinesWriter(args.trace);
  const result = runSimulation(options, traceWriter === undefined ? {} : { traceSink: (e) => traceWriter.write({ tUs: e.atUs, node: e.node, kind: e.kind, detail: e.detail }) });
  traceWriter?.close();
  if (!result.ok) return usage(`${result.error.message}${result.error.hint ? ` (${result.error.hint})` : ""}`);
  const report = result.value;
  if (args.history !== undefined) {
    if (report.history === null) process.stderr.write(`blixard sim: workload ${options.workload} records no client history; ${args.history} not written\n`);
    else {
      const writer = new JsonLinesWriter(args.history);
      for (const record of report.history) writer.write(record);
      writer.close();
    }
  }
  if (args.json) out(JSON.stringify(reportJson(report)));
  else for (const line of formatReport(report, colorful, seed.note)) out(line);
  return report.outcome === "ok" ? 0 : 1;
}
