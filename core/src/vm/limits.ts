/**
 * Bounds on a VM spec. Each is named with its unit; validation errors quote them,
 * so an operator sees the rule, not just "invalid".
 */
export const VM_NAME_LENGTH_MAX = 63;
export const VCPUS_MIN = 1;
export const VCPUS_MAX = 64;
export const MEMORY_MIB_MIN = 64;
export const MEMORY_MIB_MAX = 262_144;
export const DISK_GIB_MIN = 0;
export const DISK_GIB_MAX = 65_536;
export const PRIORITY_MIN = 0;
export const PRIORITY_MAX = 1000;
export const PRIORITY_DEFAULT = 50;

export const INTERFACES_MAX = 16;
/** Linux IFNAMSIZ is 16 bytes including the terminating NUL. */
export const INTERFACE_ID_LENGTH_MAX = 15;
export const VOLUMES_MAX = 16;
export const VOLUME_SIZE_MIB_MIN = 1;
export const VOLUME_SIZE_MIB_MAX = 16_777_216;
export const SHARES_MAX = 16;
/** virtio-fs limits a tag to 36 bytes; we apply the same to 9p for one rule. */
export const SHARE_TAG_LENGTH_MAX = 36;

export const PATH_LENGTH_MAX = 4096;
export const NIXOS_MODULES_MAX = 64;
/** One NixOS module's source text. */
export const NIXOS_MODULE_CHARS_MAX = 65_536;
/** All of a spec's modules together: the spec travels in Raft entries and lives in every replica's memory. */
export const NIXOS_MODULES_CHARS_TOTAL_MAX = 262_144;
export const FLAKE_REF_LENGTH_MAX = 1024;
export const KERNEL_PARAMS_MAX = 64;
export const KERNEL_PARAM_LENGTH_MAX = 256;

export const REQUIRED_FEATURES_MAX = 16;
export const FEATURE_NAME_LENGTH_MAX = 32;
export const ANTI_AFFINITY_GROUP_LENGTH_MAX = 63;

export const RESTART_RETRIES_MAX = 100;
export const RESTART_BACKOFF_MS_MIN = 1;
/** One day: a longer backoff is indistinguishable from "never" to an operator. */
export const RESTART_BACKOFF_MS_MAX = 86_400_000;
export const RESTART_RETRIES_DEFAULT = 3;
export const RESTART_BACKOFF_MS_INITIAL_DEFAULT = 1000;
export const RESTART_BACKOFF_MS_MAX_DEFAULT = 60_000;
