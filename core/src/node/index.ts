export { BlixardNode, type NodeHealth, type NodeOptions } from "./blixard-node";
export { defaultNodeConfig, NODE_READ_MODES, type NodeConfig, type NodeReadMode } from "./node-config";
export type { NodeObserver, ProposalKind, RaftLogView } from "./node-observer";
export { defaultModules, type NodeService } from "./node-service";
export {
  buildNodeStatus,
  isNodeStatusOp,
  nodeClientOps,
  nodeOpsModuleName,
  type NodeStatusCommand,
  type NodeStatusView,
  type PeerProgressView,
} from "./node-status";
export {
  configChangeApplied,
  isMembershipOp,
  membershipClientOps,
  membershipCommandTypes,
  membershipOpsModuleName,
  promoteCatchUpEntriesMax,
  transferWaitsMax,
  type ConfigChangeCommandType,
  type ConfigView,
  type MembershipChangeResult,
  type MembershipCommand,
  type MembershipCommandType,
  type TransferResult,
} from "./membership-ops";
export {
  defaultPublishIntervalTicks,
  PeerDirectory,
  peerDirectoryServices,
  type PeerDirectoryHost,
  type PeerDirectoryOptions,
} from "./peer-directory";
