import { blixardError, err, ok, type Result } from "@blixard/core";
import { ALL_MEANS, formatFaultClasses, type FaultClass } from "../nemesis/fault-classes";
import { assertSeed } from "../random/streams";

/** Everything that determines a run. Same options ⇒ same trace hash. */
export interface RunOptions {
  readonly seed: number;
  readonly nodes: number;
  /** Virtual seconds for the whole run (faults phase + quiet phase). */
  readonly durationSeconds: number;
  readonly faults: readonly FaultClass[];
  /** 0..1; scales fault rates. */
  readonly intensity: number;
  readonly workload: string;
}

export const DEFAULT_RUN_OPTIONS: Omit<RunOptions, "seed"> = {
  nodes: 5,
  durationSeconds: 60,
  faults: ALL_MEANS,
  intensity: 0.5,
  workload: "mixed",
};

export const MAX_NODES = 64;
export const MAX_DURATION_SECONDS = 24 * 3600;

export function validateRunOptions(options: RunOptions): Result<RunOptions> {
  try {
    assertSeed(options.seed);
  } catch (error) {
    return err(blixardError("bad-seed", (error as Error).message));
  }
  if (!Number.isSafeInteger(options.nodes) || options.nodes < 1 || options.nodes > MAX_NODES) {
    return err(blixardError("bad-nodes", `--nodes must be an integer in [1, ${MAX_NODES}], got ${options.nodes}`));
  }
  if (!(options.durationSeconds > 0 && options.durationSeconds <= MAX_DURATION_SECONDS)) {
    return err(blixardError("bad-duration", `--duration must be in (0, ${MAX_DURATION_SECONDS}] virtual seconds, got ${options.durationSeconds}`));
  }
  if (!(options.intensity >= 0 && options.intensity <= 1)) {
    return err(blixardError("bad-intensity", `--intensity must be in [0, 1], got ${options.intensity}`));
  }
  return ok(options);
}

/** The exact shell command that replays a run (every flag spelled out, so defaults may change safely). */
export function replayCommand(options: RunOptions): string {
  return [
    `SEED=${options.seed} pnpm sim`,
    `--nodes ${options.nodes}`,
    `--duration ${options.durationSeconds}`,
    `--faults ${formatFaultClasses(options.faults)}`,
    `--intensity ${options.intensity}`,
    `--workload ${options.workload}`,
  ].join(" ");
}

/** Split a run into its faults phase and quiet (liveness) phase, in µs. */
export function phaseBoundsUs(durationSeconds: number, quietSecondsMin = 0): { faultsEndUs: number; endUs: number } {
  const endUs = Math.round(durationSeconds * 1_000_000);
  const usual = Math.min(Math.floor(endUs / 2), Math.min(30_000_000, Math.max(5_000_000, Math.floor(endUs / 4))));
  // A scenario may need a longer quiet phase to converge (VM restart backoff, fencing); it never takes over 3/4 of the run.
  const quietUs = Math.max(usual, Math.min(Math.round(quietSecondsMin * 1_000_000), Math.floor((endUs * 3) / 4)));
  return { faultsEndUs: endUs - quietUs, endUs };
}
