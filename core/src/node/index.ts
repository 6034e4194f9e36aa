export { BlixardNode, type NodeHealth, type NodeOptions } from "./blixard-node";
export { defaultNodeConfig, type NodeConfig } from "./node-config";
export type { NodeObserver, RaftLogView } from "./node-observer";
export { defaultModules, type NodeService } from "./node-service";
