import { RESTART_BACKOFF_MS_INITIAL_DEFAULT, RESTART_BACKOFF_MS_MAX_DEFAULT, RESTART_RETRIES_DEFAULT } from "./limits";

/**
 * What a VM is, modelled on microvm.nix's options (microvm.hypervisor, .vcpu,
 * .mem, .interfaces, .volumes, .shares, .kernelParams). A VmSpec is always the
 * normalised output of validateVmSpec: every field present, lists in a
 * canonical order, so two replicas holding "the same" spec hold the same bytes.
 */
export const HYPERVISORS = ["alioth", "cloud-hypervisor", "crosvm", "firecracker", "kvmtool", "qemu", "stratovirt"] as const;
export type Hypervisor = (typeof HYPERVISORS)[number];

export const INTERFACE_TYPES = ["tap", "user"] as const;
export type InterfaceType = (typeof INTERFACE_TYPES)[number];

export const SHARE_PROTOS = ["9p", "virtiofs"] as const;
export type ShareProto = (typeof SHARE_PROTOS)[number];

export interface VmInterface {
  readonly type: InterfaceType;
  /** Host-side interface name (tap device), at most 15 characters. */
  readonly id: string;
  /** Lower-case colon-separated MAC, e.g. 02:00:00:00:00:01. */
  readonly mac: string;
}

export interface VmVolume {
  readonly image: string;
  readonly mountPoint: string;
  readonly sizeMib: number;
  readonly readOnly: boolean;
}

export interface VmShare {
  readonly tag: string;
  readonly source: string;
  readonly mountPoint: string;
  readonly proto: ShareProto;
}

/**
 * Where the guest's NixOS configuration comes from (microvm-nix backend):
 * NixOS modules given as Nix source text, built with microvm.nix's module
 * into a per-VM flake; the operator's own flake configuration, extended with
 * what Blixard sets; or a runner already built (a microvm.declaredRunner
 * store path), run as it is.
 */
export type NixosSource =
  | { readonly kind: "modules"; readonly modules: readonly string[] }
  | { readonly kind: "flake"; readonly flake: string }
  | { readonly kind: "runner"; readonly runner: string };

export interface KernelOverrides {
  readonly kernelPath: string | null;
  readonly initrdPath: string | null;
  readonly kernelParams: readonly string[];
}

export type RestartPolicy =
  | { readonly kind: "always" }
  | { readonly kind: "never" }
  | {
      readonly kind: "on-failure";
      readonly maxRetries: number;
      readonly backoffMsInitial: number;
      readonly backoffMsMax: number;
    };

export interface VmSpec {
  readonly name: string;
  readonly vcpus: number;
  readonly memoryMib: number;
  readonly diskGib: number;
  readonly hypervisor: Hypervisor;
  readonly interfaces: readonly VmInterface[];
  readonly volumes: readonly VmVolume[];
  readonly shares: readonly VmShare[];
  readonly nixos: NixosSource | null;
  readonly kernel: KernelOverrides;
  /** Sorted, unique host features the VM needs (kvm, gpu, nix...). */
  readonly requiredFeatures: readonly string[];
  /** No two VMs of one group share a host. */
  readonly antiAffinityGroup: string | null;
  /** 0..1000; a higher priority may preempt strictly lower ones. */
  readonly priority: number;
  readonly restartPolicy: RestartPolicy;
  /** How this VM is placed; `strategy: null` follows the cluster's default strategy. */
  readonly placement: PlacementPreference;
}

export const PLACEMENT_STRATEGIES = ["most-available", "least-available", "round-robin", "manual"] as const;

/** `manual` pins the VM to `hostId` (required then, and only then). */
export interface PlacementPreference {
  readonly strategy: (typeof PLACEMENT_STRATEGIES)[number] | null;
  readonly hostId: string | null;
}

export const DEFAULT_PLACEMENT: PlacementPreference = { strategy: null, hostId: null };

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  kind: "on-failure",
  maxRetries: RESTART_RETRIES_DEFAULT,
  backoffMsInitial: RESTART_BACKOFF_MS_INITIAL_DEFAULT,
  backoffMsMax: RESTART_BACKOFF_MS_MAX_DEFAULT,
};

/** The resources a VM reserves on its host. */
export interface Resources {
  readonly vcpus: number;
  readonly memoryMib: number;
  readonly diskGib: number;
}

export function resourcesOf(spec: Pick<VmSpec, "vcpus" | "memoryMib" | "diskGib">): Resources {
  return { vcpus: spec.vcpus, memoryMib: spec.memoryMib, diskGib: spec.diskGib };
}
