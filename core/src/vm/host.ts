import { blixardError, err, ok } from "../errors";
import type { Result } from "../errors";
import type { Resources } from "./spec";

export type HostStatus = "healthy" | "suspect" | "down";
export const HOST_STATUSES: readonly HostStatus[] = ["healthy", "suspect", "down"];

/** A machine that runs VMs, as the replicated state records it. */
export interface HostRecord {
  readonly id: string;
  /** How peers and clients reach the host's agent (host:port or URL). */
  readonly address: string;
  readonly capacity: Resources;
  /** Sorted, unique feature names (kvm, gpu, nix...). */
  readonly features: readonly string[];
  /** Decided by the leader from heartbeat age, then replicated. */
  readonly status: HostStatus;
  /** No new placements; running VMs stay. */
  readonly cordoned: boolean;
  /** No new placements, and its VMs are moved elsewhere. */
  readonly draining: boolean;
  /** Host clock reading carried in its latest accepted heartbeat. */
  readonly lastHeartbeatMs: number;
  /**
   * Raft index of the host's latest heartbeat (0: none yet), counted even when
   * its clock reading went back. A fence decided before this heartbeat was
   * applied is void: the host renewed its lease with it (unplace-vm checks).
   */
  readonly lastHeartbeatIndex: number;
  /** Raft index of the first registration; stable across re-registration. */
  readonly registeredAtIndex: number;
}

export interface HeartbeatThresholds {
  /** Silence longer than this makes a healthy host suspect: no new placements. */
  readonly suspectAfterMs: number;
  /** Silence longer than this makes it down: its VMs may be fenced and moved. */
  readonly downAfterMs: number;
}

export const DEFAULT_HEARTBEAT_THRESHOLDS: HeartbeatThresholds = { suspectAfterMs: 5_000, downAfterMs: 15_000 };

export function validateHeartbeatThresholds(thresholds: HeartbeatThresholds): Result<HeartbeatThresholds> {
  const { suspectAfterMs, downAfterMs } = thresholds;
  if (!Number.isInteger(suspectAfterMs) || suspectAfterMs <= 0) {
    return err(blixardError("invalid-config", `suspectAfterMs must be a positive integer, got ${suspectAfterMs}`));
  }
  if (!Number.isInteger(downAfterMs) || downAfterMs <= suspectAfterMs) {
    return err(blixardError("invalid-config", `downAfterMs must be an integer greater than suspectAfterMs (${suspectAfterMs}), got ${downAfterMs}`));
  }
  return ok(thresholds);
}

/**
 * The leader's verdict on a host from how long it has not heard a heartbeat,
 * measured on the leader's own monotonic clock: comparing two machines'
 * clocks would turn clock skew into false "down" verdicts.
 */
export function hostStatusFromSilence(silenceMs: number, thresholds: HeartbeatThresholds): HostStatus {
  if (silenceMs > thresholds.downAfterMs) return "down";
  if (silenceMs > thresholds.suspectAfterMs) return "suspect";
  return "healthy";
}
