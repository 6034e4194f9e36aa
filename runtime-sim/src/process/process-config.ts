/** An inclusive range of virtual microseconds. */
export interface RangeUs {
  readonly minUs: number;
  readonly maxUs: number;
}

/** How simulated VM processes behave. Delays are drawn uniformly from their ranges. */
export interface ProcessConfig {
  readonly spawnDelay: RangeUs;
  readonly bootDelay: RangeUs;
  readonly shutdownDelay: RangeUs;
  readonly killDelay: RangeUs;
  /** Probability in [0, 1] that a process fails to boot (exits with code 1 before "booted"). */
  readonly bootFailureProbability: number;
  /** Mean virtual µs a booted process runs before crashing on its own; 0 = never crashes. */
  readonly crashMeanUs: number;
  /** Live processes one host can hold; spawns beyond fail with "spawn-failed". */
  readonly maxProcessesPerNode: number;
}

export const DEFAULT_PROCESS_CONFIG: ProcessConfig = {
  spawnDelay: { minUs: 1_000, maxUs: 20_000 },
  bootDelay: { minUs: 200_000, maxUs: 2_000_000 },
  shutdownDelay: { minUs: 50_000, maxUs: 500_000 },
  killDelay: { minUs: 100, maxUs: 5_000 },
  bootFailureProbability: 0,
  crashMeanUs: 0,
  maxProcessesPerNode: 64,
};

export function validateProcessConfig(config: ProcessConfig): ProcessConfig {
  for (const [name, range] of [
    ["spawnDelay", config.spawnDelay],
    ["bootDelay", config.bootDelay],
    ["shutdownDelay", config.shutdownDelay],
    ["killDelay", config.killDelay],
  ] as const) {
    if (!Number.isSafeInteger(range.minUs) || !Number.isSafeInteger(range.maxUs) || range.minUs < 0 || range.maxUs < range.minUs) {
      throw new RangeError(`process ${name} must be integer µs with 0 <= minUs <= maxUs, got [${range.minUs}, ${range.maxUs}]`);
    }
  }
  if (!(config.bootFailureProbability >= 0 && config.bootFailureProbability <= 1)) {
    throw new RangeError(`process bootFailureProbability must be in [0, 1], got ${config.bootFailureProbability}`);
  }
  if (!Number.isSafeInteger(config.crashMeanUs) || config.crashMeanUs < 0) {
    throw new RangeError(`process crashMeanUs must be a non-negative integer, got ${config.crashMeanUs}`);
  }
  if (!Number.isSafeInteger(config.maxProcessesPerNode) || config.maxProcessesPerNode < 1) {
    throw new RangeError(`process maxProcessesPerNode must be a positive integer, got ${config.maxProcessesPerNode}`);
  }
  return config;
}
