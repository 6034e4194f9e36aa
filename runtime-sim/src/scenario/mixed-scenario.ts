import { defaultSupervisorConfig } from "@blixard/core";
import { FAULT_CLASSES } from "../nemesis/fault-classes";
import type { Scenario } from "../run/scenario";
import { attachClusterHealth } from "./cluster-health";
import { attachKvWorkload } from "./kv-scenario";
import { attachVmWorkload, hostCluster, VM_QUIET_SECONDS_MIN } from "./vm-scenario";

/**
 * `mixed` (the default): one cluster of hosts serving KV clients and running
 * VMs for an operator at the same time, under every fault class. Both
 * workloads' invariants and end checks apply.
 */
export const mixedScenario: Scenario = {
  name: "mixed",
  description: "KV clients and a VM operator on one cluster of hosts: linearizable KV, VMs never run twice",
  supportedFaults: FAULT_CLASSES,
  // Restart backoff (at most 10 s), fencing (about 4 s) and boot (at most 2 s) must fit in the quiet phase.
  quietSecondsMin: VM_QUIET_SECONDS_MIN,
  setup(context) {
    const supervisor = defaultSupervisorConfig();
    const cluster = hostCluster(context, supervisor);
    const health = attachClusterHealth(context, cluster);
    const kv = attachKvWorkload(context, cluster);
    const vm = attachVmWorkload(context, cluster, supervisor);
    return {
      onQuiet: () => {
        kv.onQuiet?.();
        vm.onQuiet?.();
      },
      summary: () => ({ ...kv.summary(), ...vm.summary(), ...health.summary() }),
      history: () => kv.history?.() ?? [],
    };
  },
};
