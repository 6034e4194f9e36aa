export * from "./types";
export { ClusterModule } from "./module";
export type { PendingVm } from "./module";
export { ClusterState, requestOf } from "./cluster-state";
export { validateClusterCommand } from "./validate-command";
export { clusterInvariantViolations, GenerationTracker } from "./invariants";
export { CLUSTER_IMAGE_VERSION } from "./image";
export type { ClusterImage } from "./image";
