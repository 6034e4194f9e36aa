import type { RestartPolicy } from "../vm/spec";

export type RestartDecision = { readonly kind: "restart"; readonly delayMs: number } | { readonly kind: "give-up" };

export interface AlwaysBackoff {
  readonly alwaysBackoffMsInitial: number;
  readonly alwaysBackoffMsMax: number;
}

/** Doublings at most: 2^30 ms is beyond any sane cap, and keeps the arithmetic exact. */
const BACKOFF_DOUBLINGS_MAX = 30;

/**
 * What to do after a VM process exited on its own. `failures` counts exits of
 * this placement so far, this one included. Backoff doubles per failure from
 * the initial delay up to the cap.
 */
export function restartDecision(policy: RestartPolicy, failed: boolean, failures: number, always: AlwaysBackoff): RestartDecision {
  switch (policy.kind) {
    case "never":
      return { kind: "give-up" };
    case "always":
      return { kind: "restart", delayMs: backoffMs(always.alwaysBackoffMsInitial, always.alwaysBackoffMsMax, failures) };
    case "on-failure":
      if (!failed || failures > policy.maxRetries) return { kind: "give-up" };
      return { kind: "restart", delayMs: backoffMs(policy.backoffMsInitial, policy.backoffMsMax, failures) };
  }
}

export function backoffMs(initialMs: number, maxMs: number, failures: number): number {
  const doublings = Math.min(Math.max(failures - 1, 0), BACKOFF_DOUBLINGS_MAX);
  return Math.min(maxMs, initialMs * 2 ** doublings);
}
