import type { LaunchBackend, LaunchOptions } from "../vm/launch-spec";
import type { Resources } from "../vm/spec";
import type { Strategy } from "../scheduler/types";

/** What this host offers and how its agent and VM controller behave. Every duration in ms of the host's monotonic clock. */
export interface HostConfig {
  readonly hostId: string;
  /** Where operators and peers reach this host (display only in the state). */
  readonly address: string;
  readonly capacity: Resources;
  readonly features: readonly string[];
  readonly backend: LaunchBackend;
  readonly launchOptions?: LaunchOptions;
  /**
   * How often the host proposes a heartbeat. Each one is a log entry every
   * node fsyncs, so this sets the idle cluster's fsync rate (one per host per
   * interval on every node). A third of leaseMs renews the lease with two
   * lost heartbeats to spare.
   */
  readonly heartbeatIntervalMs: number;
  /**
   * The host's lease: if none of its heartbeats sent in the last leaseMs has
   * committed, it cannot prove it reaches a quorum and stops its VMs itself.
   */
  readonly leaseMs: number;
  /** A status the replicated state does not show yet is re-reported after this long. */
  readonly reportRetryMs: number;
  /** A VM asked to stop is killed if it has not exited after this long. */
  readonly stopGraceMs: number;
  /** Restart backoff for VMs whose policy is "always". */
  readonly alwaysBackoffMsInitial: number;
  readonly alwaysBackoffMsMax: number;
  /** A VM that stayed booted this long has its failure count (and so its backoff) reset. */
  readonly backoffResetAfterMs: number;
  /** Lines of VM output kept for status reports. */
  readonly outputTailLines: number;
}

/** How the leader judges hosts and places VMs. */
export interface SupervisorConfig {
  readonly suspectAfterMs: number;
  readonly downAfterMs: number;
  /** Hosts' lease (must equal HostConfig.leaseMs across the cluster). */
  readonly leaseMs: number;
  /**
   * The stated bound on clock-rate difference between any two hosts, in parts
   * per million. Fencing is only safe while clocks honour it.
   */
  readonly maxClockDriftPpm: number;
  /** Extra wait on top of the drift-adjusted lease: covers a fenced VM's kill latency (in the real runtime the watchdog polls every 200 ms, runtime-real/src/fence-watchdog.ts). */
  readonly fenceMarginMs: number;
  readonly strategy: Strategy;
  /** Proposals (placements, evictions, status changes) per tick, at most. */
  readonly maxProposalsPerTick: number;
  /** A proposal about one VM or host is not repeated sooner than this. */
  readonly proposalRetryMs: number;
}

export function defaultHostConfig(hostId: string, backend: LaunchBackend): HostConfig {
  return {
    hostId,
    address: hostId,
    capacity: { vcpus: 16, memoryMib: 32 * 1024, diskGib: 500 },
    features: [],
    backend,
    heartbeatIntervalMs: 1000,
    leaseMs: 3000,
    reportRetryMs: 1000,
    stopGraceMs: 5000,
    alwaysBackoffMsInitial: 500,
    alwaysBackoffMsMax: 10_000,
    backoffResetAfterMs: 10_000,
    outputTailLines: 20,
  };
}

export function defaultSupervisorConfig(): SupervisorConfig {
  return {
    suspectAfterMs: 2000,
    downAfterMs: 4000,
    leaseMs: 3000,
    maxClockDriftPpm: 1000,
    fenceMarginMs: 1000,
    strategy: { kind: "most-available" },
    maxProposalsPerTick: 64,
    proposalRetryMs: 1000,
  };
}

/**
 * How long after last hearing from a host the leader waits before placing its
 * VMs elsewhere. The host stops its VMs within leaseMs of its own clock after
 * its last committed heartbeat, which the leader heard no earlier; with clock
 * rates apart by at most maxClockDriftPpm, leaseMs·(1+ρ)/(1−ρ) of leader time
 * covers it, and the margin covers the kill itself.
 */
export function fenceWaitMs(config: SupervisorConfig): number {
  const ppm = config.maxClockDriftPpm;
  return Math.ceil((config.leaseMs * (1_000_000 + ppm)) / (1_000_000 - ppm)) + config.fenceMarginMs;
}
