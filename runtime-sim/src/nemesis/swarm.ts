import type { NetworkConfig } from "../net/net-config";
import type { ByzantineBehaviour } from "../net/byzantine";
import type { ProcessConfig } from "../process/process-config";
import { DEFAULT_PROCESS_CONFIG } from "../process/process-config";
import type { SimRandom } from "../random/streams";
import type { FaultClass } from "./fault-classes";

/**
 * Per-run fault rates and cluster parameters, drawn from the seed (swarm
 * testing): each run explores a different corner — calm links with frequent
 * crashes, lossy links with none — within the chosen classes and intensity.
 */
export interface SwarmParams {
  /** Network with no fault injected (the baseline the nemesis heals back to). */
  readonly baselineNetwork: NetworkConfig;
  /** Mean virtual µs between two actions of each enabled class. */
  readonly meanIntervalUs: Readonly<Partial<Record<FaultClass, number>>>;
  /** Most nodes down at once (crash and disk classes). n = "all crash" allowed. */
  readonly maxDownNodes: number;
  /** Probability that a crash also tears the first unsynced append (disk class only). */
  readonly tornWriteProbability: number;
  readonly spikeLossProbability: number;
  readonly spikeDuplicateProbability: number;
  readonly byzantineNodes: number;
  readonly byzantineBehaviour: ByzantineBehaviour;
  /** Process model while the `process` class is active. */
  readonly faultyProcess: ProcessConfig;
}

const SECOND_US = 1_000_000;

/** Scale an interval by intensity: higher intensity, shorter gaps. Integer result. */
function interval(random: SimRandom, minUs: number, maxUs: number, intensity: number): number {
  const drawn = random.nextInt(minUs, maxUs);
  return Math.max(10_000, Math.round(drawn / Math.max(intensity, 0.05)));
}

/** Probability in [0, max·intensity], drawn on a 1/10000 grid. */
function rate(random: SimRandom, max: number, intensity: number): number {
  return (random.nextInt(0, 10_000) / 10_000) * max * intensity;
}

export function drawSwarm(random: SimRandom, classes: readonly FaultClass[], nodeCount: number, intensity: number): SwarmParams {
  const has = (c: FaultClass): boolean => classes.includes(c);
  const baselineNetwork: NetworkConfig = {
    latency: {
      baseUs: random.nextInt(100, 2_000),
      jitterUs: random.nextInt(0, 5_000),
      tailProbability: random.nextInt(0, 200) / 10_000,
      tailUs: random.nextInt(10_000, 200_000),
    },
    lossProbability: has("network") ? rate(random, 0.02, intensity) : 0,
    duplicateProbability: has("network") ? rate(random, 0.02, intensity) : 0,
    maxMessageBytes: 4 * 1024 * 1024,
  };
  const meanIntervalUs: Partial<Record<FaultClass, number>> = {};
  if (has("network")) meanIntervalUs.network = interval(random, SECOND_US / 2, 4 * SECOND_US, intensity);
  if (has("crash")) meanIntervalUs.crash = interval(random, 1 * SECOND_US, 6 * SECOND_US, intensity);
  if (has("disk")) meanIntervalUs.disk = interval(random, 2 * SECOND_US, 8 * SECOND_US, intensity);
  if (has("clock")) meanIntervalUs.clock = interval(random, SECOND_US / 2, 4 * SECOND_US, intensity);
  if (has("process")) meanIntervalUs.process = interval(random, 1 * SECOND_US, 6 * SECOND_US, intensity);
  if (has("byzantine")) meanIntervalUs.byzantine = interval(random, 5 * SECOND_US, 20 * SECOND_US, intensity);
  const minority = Math.max(0, Math.floor((nodeCount - 1) / 2));
  const allCrash = intensity >= 0.5 && random.chance(1, 10);
  return {
    baselineNetwork,
    meanIntervalUs,
    maxDownNodes: allCrash ? nodeCount : Math.max(1, minority),
    tornWriteProbability: has("disk") ? 0.5 : 0,
    spikeLossProbability: 0.05 + rate(random, 0.45, intensity),
    spikeDuplicateProbability: 0.05 + rate(random, 0.25, intensity),
    byzantineNodes: has("byzantine") ? Math.max(1, Math.min(minority, random.nextInt(1, Math.max(1, minority)))) : 0,
    byzantineBehaviour: {
      corruptProbability: rate(random, 0.3, intensity),
      replayProbability: rate(random, 0.3, intensity),
      mutatedDuplicateProbability: rate(random, 0.2, intensity),
      garbageProbability: rate(random, 0.2, intensity),
      maxFlippedBits: random.nextInt(1, 8),
    },
    faultyProcess: {
      ...DEFAULT_PROCESS_CONFIG,
      bootFailureProbability: has("process") ? rate(random, 0.4, intensity) : 0,
      crashMeanUs: has("process") ? interval(random, 5 * SECOND_US, 60 * SECOND_US, intensity) : 0,
    },
  };
}

/** One-line summary of the swarm draw for the run report. */
export function describeSwarm(swarm: SwarmParams): Record<string, string | number> {
  const net = swarm.baselineNetwork;
  return {
    latency: `${net.latency.baseUs}+${net.latency.jitterUs}us tail ${net.latency.tailProbability}@${net.latency.tailUs}us`,
    loss: net.lossProbability.toFixed(4),
    duplicate: net.duplicateProbability.toFixed(4),
    maxDownNodes: swarm.maxDownNodes,
    byzantineNodes: swarm.byzantineNodes,
  };
}
