import type { HostStatus } from "../vm/host";
import type { Resources } from "../vm/spec";

/** A host as the scheduler sees it. Allocation is derived from `placed`, never stored twice. */
export interface SchedHost {
  readonly id: string;
  readonly capacity: Resources;
  /** Feature names; order does not matter. */
  readonly features: readonly string[];
  readonly status: HostStatus;
  readonly cordoned: boolean;
  readonly draining: boolean;
}

/** A VM that holds resources on a host. */
export interface PlacedVm {
  readonly name: string;
  readonly hostId: string;
  readonly resources: Resources;
  readonly antiAffinityGroup: string | null;
  readonly priority: number;
}

/** A snapshot of the cluster for one placement decision. Host order does not matter. */
export interface SchedulerView {
  readonly hosts: readonly SchedHost[];
  readonly placed: readonly PlacedVm[];
  /** Host of the most recent placement; round-robin starts after it. */
  readonly roundRobinCursor: string | null;
}

/** What a VM asks of its host. */
export interface VmRequest {
  readonly name: string;
  readonly resources: Resources;
  readonly requiredFeatures: readonly string[];
  readonly antiAffinityGroup: string | null;
  readonly priority: number;
}

export const STRATEGY_KINDS = ["most-available", "least-available", "round-robin", "manual"] as const;
export type StrategyKind = (typeof STRATEGY_KINDS)[number];

/**
 * most-available spreads (most free resources first), least-available packs
 * (least free first), round-robin walks hosts in id order after the cursor,
 * manual pins to one host.
 */
export type Strategy =
  | { readonly kind: "most-available" }
  | { readonly kind: "least-available" }
  | { readonly kind: "round-robin" }
  | { readonly kind: "manual"; readonly hostId: string };

export type Decision =
  | { readonly kind: "placed"; readonly hostId: string }
  | {
      readonly kind: "preempt";
      readonly hostId: string;
      /** Names of strictly lower-priority VMs to evict first, sorted. */
      readonly evict: readonly string[];
      readonly reason: string;
    }
  | { readonly kind: "unplaceable"; readonly reason: string };

/** Upper bound on VMs evicted for one placement: preemption must stay a scalpel. */
export const PREEMPTION_EVICTIONS_MAX = 8;
