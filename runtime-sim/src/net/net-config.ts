/** Message latency: base + uniform jitter, and now and then a long tail. All integer µs. */
export interface LatencyConfig {
  readonly baseUs: number;
  readonly jitterUs: number;
  /** Probability in [0, 1] that a message takes the long tail. */
  readonly tailProbability: number;
  /** Extra delay drawn uniformly from [0, tailUs] for tail messages. */
  readonly tailUs: number;
}

export interface NetworkConfig {
  readonly latency: LatencyConfig;
  /** Probability in [0, 1] that a message is lost. */
  readonly lossProbability: number;
  /** Probability in [0, 1] that a message is delivered twice (each copy with its own latency). */
  readonly duplicateProbability: number;
  /** Payloads longer than this are dropped at send and traced. */
  readonly maxMessageBytes: number;
}

export const DEFAULT_NETWORK_CONFIG: NetworkConfig = {
  latency: { baseUs: 500, jitterUs: 2_000, tailProbability: 0.01, tailUs: 50_000 },
  lossProbability: 0,
  duplicateProbability: 0,
  maxMessageBytes: 8 * 1024 * 1024 + 8,
};

export function validateNetworkConfig(config: NetworkConfig): NetworkConfig {
  const { latency } = config;
  for (const [name, value] of [
    ["latency.baseUs", latency.baseUs],
    ["latency.jitterUs", latency.jitterUs],
    ["latency.tailUs", latency.tailUs],
    ["maxMessageBytes", config.maxMessageBytes],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`network ${name} must be a non-negative integer, got ${value}`);
  }
  for (const [name, value] of [
    ["latency.tailProbability", latency.tailProbability],
    ["lossProbability", config.lossProbability],
    ["duplicateProbability", config.duplicateProbability],
  ] as const) {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`network ${name} must be a probability in [0, 1], got ${value}`);
  }
  return config;
}
