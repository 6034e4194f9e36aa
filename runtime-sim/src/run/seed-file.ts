import { blixardError, err, ok, type Result } from "@blixard/core";
import { formatFaultClasses, parseFaultClasses, parseIntensity } from "../nemesis/fault-classes";
import { DEFAULT_RUN_OPTIONS, validateRunOptions, type RunOptions } from "./run-options";

/**
 * A regression seed (seeds/<name>.json): a run that once found a bug and must
 * pass from now on. `faults` and `intensity` use the CLI spellings.
 */
export interface SeedFile {
  readonly seed: number;
  readonly nodes?: number;
  readonly duration?: number;
  readonly faults?: string;
  readonly intensity?: string | number;
  readonly workload?: string;
  readonly note: string;
}

/** Validate an untrusted seed file's JSON into RunOptions. */
export function parseSeedFile(json: unknown, source: string): Result<RunOptions> {
  const bad = (message: string): Result<never> => err(blixardError("bad-seed-file", `${source}: ${message}`));
  if (typeof json !== "object" || json === null || Array.isArray(json)) return bad("expected a JSON object");
  const file = json as Partial<Record<keyof SeedFile, unknown>>;
  if (typeof file.note !== "string" || file.note.length === 0) return bad(`"note" must say what bug this seed found`);
  if (typeof file.seed !== "number") return bad(`"seed" must be a number`);
  const faults = parseFaultClasses(typeof file.faults === "string" ? file.faults : formatFaultClasses(DEFAULT_RUN_OPTIONS.faults));
  if (!faults.ok) return bad(faults.error.message);
  const intensity = parseIntensity(file.intensity === undefined ? String(DEFAULT_RUN_OPTIONS.intensity) : String(file.intensity));
  if (!intensity.ok) return bad(intensity.error.message);
  const options: RunOptions = {
    seed: file.seed,
    nodes: typeof file.nodes === "number" ? file.nodes : DEFAULT_RUN_OPTIONS.nodes,
    durationSeconds: typeof file.duration === "number" ? file.duration : DEFAULT_RUN_OPTIONS.durationSeconds,
    faults: faults.value,
    intensity: intensity.value,
    workload: typeof file.workload === "string" ? file.workload : DEFAULT_RUN_OPTIONS.workload,
  };
  const valid = validateRunOptions(options);
  return valid.ok ? valid : bad(valid.error.message);
}
