/**
 * Exact integer conversions between virtual time and a node's local time when
 * the node's oscillator runs at (1 + driftPpm / 10^6) of true speed.
 *
 * Products are split so no intermediate exceeds 2^53: x = q * D + r with D the
 * denominator, and only r (< D, about 10^6) is multiplied by a ~10^6 factor.
 */
const PPM = 1_000_000;

/** Local microseconds elapsed while `virtualUs` pass: floor(virtualUs * (10^6 + ppm) / 10^6). */
export function localElapsedUs(virtualUs: number, driftPpm: number): number {
  const rate = PPM + driftPpm;
  const q = Math.floor(virtualUs / PPM);
  const r = virtualUs - q * PPM;
  return q * rate + Math.floor((r * rate) / PPM);
}

/** Smallest virtual duration whose local elapsed time is at least `localUs`. */
export function virtualForLocalUs(localUs: number, driftPpm: number): number {
  const rate = PPM + driftPpm;
  const q = Math.floor(localUs / rate);
  const r = localUs - q * rate;
  return q * PPM + Math.ceil((r * PPM) / rate);
}

export function assertDriftPpm(driftPpm: number): number {
  if (!Number.isSafeInteger(driftPpm) || driftPpm <= -PPM / 2 || driftPpm >= PPM) {
    throw new RangeError(`clock drift must be an integer number of ppm in (-500000, 1000000), got ${driftPpm}`);
  }
  return driftPpm;
}
