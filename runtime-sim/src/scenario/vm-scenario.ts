import {
  type ClusterModule,
  defaultClusterClientConfig,
  defaultHostConfig,
  defaultSupervisorConfig,
  type HostConfig,
  hostServices,
  placeVm,
  resourcesOf,
  strategyFor,
  type SupervisorConfig,
} from "@blixard/core";
import { FAULT_CLASSES } from "../nemesis/fault-classes";
import type { Scenario, ScenarioContext, ScenarioRun } from "../run/scenario";
import type { SimRandom } from "../random/streams";
import type { Simulation } from "../simulation";
import { BlixardCluster } from "./blixard-cluster";
import { attachClusterHealth } from "./cluster-health";
import { VmOperator } from "./vm-operator";
import { VmSafetyChecker } from "./vm-safety";

/** Quiet phase a VM workload needs to converge: backoff cap + fence wait + boot, with room to spare. */
export const VM_QUIET_SECONDS_MIN = 20;

export interface VmRun extends ScenarioRun {
  readonly cluster: BlixardCluster;
  readonly operator: VmOperator;
  readonly supervisor: SupervisorConfig;
}

export interface VmScenarioOptions {
  /** Override the supervisor's stated drift bound (a test violates it on purpose). */
  readonly supervisor?: Partial<SupervisorConfig>;
}

/**
 * `vm`: every node is also a host running the VM controller; an operator
 * creates, stops, starts, deletes and migrates VMs and drains hosts while the
 * nemesis crashes hosts, partitions them and skews their clocks. After every
 * event: no VM on two hosts, no overcommitted host, one owner per VM. At the
 * end: every placeable VM wanted running runs exactly once, nothing else runs.
 */
export const vmScenario: Scenario = {
  name: "vm",
  description: "Blixard hosts running VMs under an operator (create/stop/delete/migrate/drain) with host crashes and partitions",
  supportedFaults: FAULT_CLASSES,
  // Restart backoff (at most 10 s), fencing (about 4 s) and boot (at most 2 s) must fit in the quiet phase.
  quietSecondsMin: VM_QUIET_SECONDS_MIN,
  setup: (context) => setupVm(context),
};

export function setupVm(context: ScenarioContext, options: VmScenarioOptions = {}): VmRun {
  const supervisor: SupervisorConfig = { ...defaultSupervisorConfig(), ...options.supervisor };
  const cluster = hostCluster(context, supervisor);
  const health = attachClusterHealth(context, cluster);
  const vm = attachVmWorkload(context, cluster, supervisor);
  return { ...vm, summary: () => ({ ...vm.summary(), ...health.summary() }) };
}

/** A cluster whose every node is also a host running the agent, the VM controller and the leader's supervisor. */
export function hostCluster(context: ScenarioContext, supervisor: SupervisorConfig, options: { driftPpm?: (id: string) => number | undefined } = {}): BlixardCluster {
  const hosts = new Map(context.nodeIds.map((id) => [id, simHostConfig(id, context.random)]));
  return new BlixardCluster(context.sim, context.nodeIds, {
    nodeOptions: (id) => ({ services: hostServices(hosts.get(id) ?? simHostConfig(id, context.random), supervisor) }),
    ...(options.driftPpm === undefined ? {} : { driftPpm: options.driftPpm }),
  });
}

/** The VM operator, the VM safety checker and the VM end checks, on a host cluster built by the caller. */
export function attachVmWorkload(context: ScenarioContext, cluster: BlixardCluster, supervisor: SupervisorConfig): VmRun {
  const { sim, nodeIds, faultsEndUs } = context;
  const safety = new VmSafetyChecker(sim, cluster);
  sim.addInvariant("vm.safety", () => safety.firstViolation());
  const operator = sim.addClient("operator", (rt) =>
    new VmOperator(rt, defaultClusterClientConfig(nodeIds), { vmsMax: 3 * nodeIds.length, thinkTimeMsMean: 300, hostIds: nodeIds }),
  );
  sim.scheduleAt(faultsEndUs, "workload.vm-operator-stop", () => {
    operator.stop();
    operator.uncordonAll(() => sim.traceWorld("workload.hosts-reopened", ""));
  });
  sim.addEndCheck("vm.converged", () => vmConvergenceProblem(sim, cluster, supervisor));
  return {
    cluster,
    operator,
    supervisor,
    summary: () => ({ ...operator.stats, ...vmCounts(cluster) }),
  };
}

/** Host shapes drawn from the scenario stream: varied enough that placement has real choices. */
export function simHostConfig(id: string, random: SimRandom): HostConfig {
  const vcpus = [4, 8, 16][random.nextInt(0, 2)] ?? 8;
  const features = [["kvm"], ["kvm", "nix"], [], ["nix"]][random.nextInt(0, 3)] ?? [];
  return { ...defaultHostConfig(id, "sim"), capacity: { vcpus, memoryMib: vcpus * 1024, diskGib: 100 }, features };
}

function leaderCluster(cluster: BlixardCluster): ClusterModule | undefined {
  const leader = cluster.leaders()[0];
  return leader === undefined ? undefined : (cluster.node(leader.id)?.stateMachine.module("cluster") as ClusterModule | undefined);
}

function vmCounts(cluster: BlixardCluster): Record<string, number> {
  const state = leaderCluster(cluster);
  if (state === undefined) return { vmsRunning: 0, vmsPending: 0 };
  const vms = state.listVms();
  return { vmsRunning: vms.filter((vm) => vm.status === "running").length, vmsPending: vms.filter((vm) => vm.placement === null && vm.desired === "running").length };
}

/** After the quiet phase, the world must match the replicated intent exactly. */
export function vmConvergenceProblem(sim: Simulation, cluster: BlixardCluster, supervisor: SupervisorConfig): string | null {
  const state = leaderCluster(cluster);
  if (state === undefined) return "no leader to read the VM state from";
  const alive = sim.aliveProcesses();
  const view = state.schedulerView();
  for (const vm of state.listVms()) {
    const name = vm.spec.name;
    const procs = alive.filter((p) => p.vmName === name);
    if (vm.desired === "deleted") return `VM ${name} is still being deleted (status ${vm.status}, on ${vm.placement?.hostId ?? "no host"})`;
    if (vm.desired === "stopped") {
      if (procs.length > 0) return `VM ${name} is desired stopped but runs on ${procs.map((p) => p.nodeId).join(", ")}`;
      continue;
    }
    if (vm.placement === null) {
      const request = { name, resources: resourcesOf(vm.spec), requiredFeatures: vm.spec.requiredFeatures, antiAffinityGroup: vm.spec.antiAffinityGroup, priority: vm.spec.priority };
      const decision = placeVm(view, request, strategyFor(vm, supervisor.strategy));
      if (decision.kind === "placed") return `VM ${name} is still pending though it fits on ${decision.hostId} (pending reason: ${vm.pendingReason ?? "none"})`;
      continue;
    }
    const gaveUp = vm.status === "failed" && vm.spec.restartPolicy.kind !== "always";
    if (gaveUp) continue;
    const owner = vm.placement;
    const onOwner = procs.filter((p) => p.nodeId === owner.hostId && p.generation === owner.generation && p.booted);
    if (vm.status !== "running" || onOwner.length !== 1) {
      return `VM ${name} should run on ${owner.hostId} (generation ${owner.generation}) but its status is ${vm.status} with ${onOwner.length} booted process(es) there`;
    }
  }
  for (const process of alive) {
    if (state.getVm(process.vmName) === undefined) return `process ${process.processId} of VM ${process.vmName} runs on ${process.nodeId} but the VM does not exist`;
  }
  return null;
}
