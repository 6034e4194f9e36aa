export { defaultHostConfig, defaultSupervisorConfig, fenceWaitMs, type HostConfig, type SupervisorConfig } from "./controller-config";
export { HostAgent } from "./host-agent";
export { hostServices, type HostServices } from "./host-services";
export { LeaderSupervisor, strategyFor } from "./leader-supervisor";
export { backoffMs, restartDecision, type RestartDecision } from "./restart-backoff";
export { VmController } from "./vm-controller";
