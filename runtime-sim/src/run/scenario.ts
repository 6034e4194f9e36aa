import type { FaultClass } from "../nemesis/fault-classes";
import type { SimRandom } from "../random/streams";
import type { Simulation } from "../simulation";
import type { RunOptions } from "./run-options";

/** What a scenario gets to build its run. */
export interface ScenarioContext {
  readonly sim: Simulation;
  readonly options: RunOptions;
  /** Node ids to create, "n1".."nN", in order. */
  readonly nodeIds: readonly string[];
  /** The scenario's own stream ("scenario"), for workload choices. */
  readonly random: SimRandom;
  /** When the faults phase ends and the quiet (liveness) phase begins. */
  readonly faultsEndUs: number;
  readonly endUs: number;
}

/** A scenario's live run: hooks the runner calls and what it reports. */
export interface ScenarioRun {
  /** The nemesis has healed everything; the quiet phase starts now (e.g. stop the workload, start convergence waits). */
  onQuiet?(): void;
  /** Fields for the run summary (ops completed, retries...). Values must be deterministic. */
  summary(): Readonly<Record<string, string | number>>;
  /** Client history records (virtual ns timestamps), written as JSON lines by `--history`. */
  history?(): readonly unknown[];
}

/**
 * A workload plus its checkers: given the Simulation it creates nodes and
 * clients, registers invariants (sim.addInvariant, run after every event) and
 * end-of-run checks (sim.addEndCheck, run after the quiet phase).
 */
export interface Scenario {
  /** The `--workload` name. */
  readonly name: string;
  readonly description: string;
  /** Fault classes the system under this scenario claims to survive; the runner rejects others. */
  readonly supportedFaults: readonly FaultClass[];
  /** Shortest quiet phase in which this scenario can be expected to converge (virtual seconds). */
  readonly quietSecondsMin?: number;
  setup(context: ScenarioContext): ScenarioRun;
}
