import { blixardError, err, ok, type Result } from "@blixard/core";
import { Nemesis, type FaultCounts } from "../nemesis/nemesis";
import { describeSwarm, drawSwarm } from "../nemesis/swarm";
import { Simulation } from "../simulation";
import type { TraceSink } from "../trace/trace";
import type { SimFailure } from "../world/failure";
import { scenarioRegistry, type ScenarioRegistry } from "./registry";
import { phaseBoundsUs, replayCommand, validateRunOptions, type RunOptions } from "./run-options";

export type RunOutcome = "ok" | "safety" | "liveness" | "exception" | "budget";

export interface RunReport {
  readonly options: RunOptions;
  readonly outcome: RunOutcome;
  readonly failure: SimFailure | null;
  /** 64-bit hash over every trace record (core's RollingDigest), 16 hex digits. */
  readonly traceHash: string;
  readonly traceRecords: number;
  readonly eventsProcessed: number;
  readonly virtualUs: number;
  /** Wall-clock milliseconds the run took (measurement only; never enters the trace). */
  readonly wallMs: number;
  readonly eventsPerWallSecond: number;
  readonly faults: FaultCounts;
  readonly swarm: Readonly<Record<string, string | number>>;
  readonly summary: Readonly<Record<string, string | number>>;
  readonly history: readonly unknown[] | null;
  readonly replayCommand: string;
}

export interface RunHooks {
  /** Receives every trace record (e.g. a JSON-lines writer for --trace). */
  readonly traceSink?: TraceSink;
  readonly registry?: ScenarioRegistry;
  /** Trace records kept for failure reports. */
  readonly traceRingSize?: number;
}

/**
 * One seeded run: scenario setup, faults phase under the nemesis, heal, quiet
 * phase, end-of-run checks. Returns an error value for bad options or an
 * unknown workload; simulated failures are reported in the RunReport.
 */
export function runSimulation(options: RunOptions, hooks: RunHooks = {}): Result<RunReport> {
  const valid = validateRunOptions(options);
  if (!valid.ok) return valid;
  const found = (hooks.registry ?? scenarioRegistry).find(options.workload);
  if (!found.ok) return found;
  const scenario = found.value;
  const unsupported = options.faults.filter((c) => !scenario.supportedFaults.includes(c));
  if (unsupported.length > 0) {
    return err(blixardError("unsupported-faults", `workload ${scenario.name} does not claim to survive fault classes: ${unsupported.join(", ")}`, {
      hint: `choose from ${scenario.supportedFaults.join(", ") || "none"}`,
    }));
  }
  const startedMs = performance.now();
  const traceOptions = { ...(hooks.traceSink === undefined ? {} : { sink: hooks.traceSink }), ...(hooks.traceRingSize === undefined ? {} : { ringSize: hooks.traceRingSize }) };
  const sim = new Simulation({ seed: options.seed, trace: traceOptions });
  const swarm = drawSwarm(sim.streams.stream("swarm"), options.faults, options.nodes, options.intensity);
  const { faultsEndUs, endUs } = phaseBoundsUs(options.durationSeconds, scenario.quietSecondsMin);
  sim.traceWorld("run.start", `seed=${options.seed} nodes=${options.nodes} durationUs=${endUs} faults=${options.faults.join(",") || "none"} intensity=${options.intensity} workload=${options.workload}`);
  const nodeIds = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`);
  const run = scenario.setup({ sim, options, nodeIds, random: sim.streams.stream("scenario"), faultsEndUs, endUs });
  const nemesis = new Nemesis(sim, options.faults, swarm);
  nemesis.start();
  if (sim.runUntil(faultsEndUs)) {
    nemesis.heal();
    sim.enterQuietPhase();
    run.onQuiet?.();
    if (sim.runUntil(endUs)) sim.runEndChecks();
  }
  const failure = sim.failure;
  sim.traceWorld("run.end", `outcome=${failure === null ? "ok" : failure.kind}`);
  const wallMs = performance.now() - startedMs;
  return ok({
    options,
    outcome: failure === null ? "ok" : failure.kind,
    failure,
    traceHash: sim.trace.digestHex(),
    traceRecords: sim.trace.count,
    eventsProcessed: sim.eventsProcessed,
    virtualUs: sim.nowUs(),
    wallMs,
    eventsPerWallSecond: wallMs > 0 ? Math.round((sim.eventsProcessed * 1000) / wallMs) : 0,
    faults: nemesis.counts,
    swarm: describeSwarm(swarm),
    summary: run.summary(),
    history: run.history?.() ?? null,
    replayCommand: replayCommand(options),
  });
}
