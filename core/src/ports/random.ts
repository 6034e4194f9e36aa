/**
 * The only source of randomness core may use. In the simulator each node gets
 * its own stream derived from the run's seed, so a run replays bit for bit.
 */
export interface RandomSource {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform integer in [minInclusive, maxInclusive]. */
  nextInt(minInclusive: number, maxInclusive: number): number;
  /** Uniform float in [0, 1). */
  nextFloat(): number;
}
