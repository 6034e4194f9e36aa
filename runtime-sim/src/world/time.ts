/**
 * Virtual time. The simulator counts INTEGER microseconds so arithmetic is exact
 * and identical on every platform; helpers convert to the units other layers use
 * (core's clock speaks milliseconds, client histories speak nanoseconds).
 */
export type VirtualUs = number;

export const US_PER_MS = 1_000;
export const US_PER_SECOND = 1_000_000;
export const NS_PER_US = 1_000;

/** Whole microseconds for a millisecond amount, rounded up so a delay is never shortened. */
export function usFromMs(ms: number): VirtualUs {
  return Math.ceil(ms * US_PER_MS);
}

export function usFromSeconds(seconds: number): VirtualUs {
  return Math.round(seconds * US_PER_SECOND);
}

/** Milliseconds (possibly fractional) for a microsecond count. */
export function msFromUs(us: VirtualUs): number {
  return us / US_PER_MS;
}

/** Virtual nanoseconds: the unit of client histories. Exact for any safe integer µs below 2^53/1000. */
export function nsFromUs(us: VirtualUs): number {
  return us * NS_PER_US;
}

/** Human-readable virtual time for reports, e.g. "12.345678s". */
export function formatUs(us: VirtualUs): string {
  const seconds = Math.floor(us / US_PER_SECOND);
  const rest = us - seconds * US_PER_SECOND;
  return `${seconds}.${String(rest).padStart(6, "0")}s`;
}

export function assertVirtualUs(value: number, what: string): VirtualUs {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative integer number of microseconds, got ${value}`);
  }
  return value;
}
