export { BlixardCluster, type BlixardClusterOptions } from "./blixard-cluster";
export { RaftSafetyChecker } from "./checkers/raft-safety";
export { convergenceProblem } from "./convergence";
export { DEFAULT_KV_WORKLOAD, KvClientProcess, type KvClientStats, type KvWorkloadConfig } from "./kv-client-process";
export { attachKvWorkload, kvScenario, setupKv, KV_CLIENTS, type KvRun } from "./kv-scenario";
export { attachVmWorkload, hostCluster, setupVm, simHostConfig, vmConvergenceProblem, vmScenario, type VmRun, type VmScenarioOptions } from "./vm-scenario";
export { VmOperator, type VmOperatorStats, type VmWorkloadConfig } from "./vm-operator";
export { VmSafetyChecker } from "./vm-safety";
export { mixedScenario } from "./mixed-scenario";
