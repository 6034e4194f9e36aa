import { describe, expect, it } from "vitest";
import {
  ClusterClient,
  type ClusterModule,
  defaultClusterClientConfig,
  defaultHostConfig,
  defaultSupervisorConfig,
  fenceWaitMs,
  hostServices,
  type SupervisorConfig,
} from "@blixard/core";
import { BlixardCluster, Simulation, VmSafetyChecker } from "@blixard/runtime-sim";

const NODES = ["n1", "n2", "n3", "n4", "n5"];
const SLOW_HOST = "n3";

/**
 * Fencing rests on a stated bound on clock drift: a cut-off host stops its VMs
 * within its lease by its own clock, and the leader waits lease·(1+ρ)/(1−ρ) plus
 * a margin by its clock before placing them elsewhere. This scenario isolates
 * the host running a VM and lets the leader move it; it passes while the host's
 * clock honours the bound, and shows the VM running twice when the host's clock
 * runs slower than the bound allows.
 */
function isolateVmHost(slowHostDriftPpm: number, pauseHost = false): { failure: string | null; movedTo: string | null; fenceWaitMs: number; sim: Simulation } {
  const sim = new Simulation({ seed: 4242 });
  const supervisor: SupervisorConfig = { ...defaultSupervisorConfig(), maxClockDriftPpm: 1000, fenceMarginMs: 200 };
  const cluster = new BlixardCluster(sim, NODES, {
    // The slow host is the roomiest, so most-available places the VM there first.
    nodeOptions: (id) => {
      const vcpus = id === SLOW_HOST ? 32 : 8;
      const host = { ...defaultHostConfig(id, "sim"), capacity: { vcpus, memoryMib: vcpus * 1024, diskGib: 100 } };
      return { services: hostServices(host, supervisor) };
    },
    driftPpm: (id) => (id === SLOW_HOST ? slowHostDriftPpm : 0),
  });
  const safety = new VmSafetyChecker(sim, cluster);
  sim.addInvariant("vm.safety", () => safety.firstViolation());
  const client = sim.addClient("operator", (rt) => new ClusterClient(rt, defaultClusterClientConfig(NODES)));
  sim.schedule(3_000_000, "create-vm", () => {
    const spec = { name: "db-1", vcpus: 2, memoryMib: 512, diskGib: 1, hypervisor: "cloud-hypervisor", restartPolicy: { kind: "always" } };
    client.submit({ module: "cluster", command: { type: "create-vm", desired: "running", spec } }, () => {});
  });
  sim.runUntil(12_000_000);
  const ownerBefore = vmOwner(cluster);
  expect(ownerBefore).toBe(SLOW_HOST);
  expect(sim.aliveProcesses().filter((p) => p.vmName === "db-1" && p.nodeId === SLOW_HOST && p.booted)).toHaveLength(1);
  sim.network.links.isolate(SLOW_HOST, [...NODES, "operator"]);
  // A stalled host agent (paused: its software holds still, its VM processes do not) cannot stop its VMs itself.
  if (pauseHost) sim.pause(SLOW_HOST);
  sim.runUntil(30_000_000);
  return { failure: sim.failure === null ? null : `${sim.failure.name}: ${sim.failure.description}`, movedTo: vmOwner(cluster), fenceWaitMs: fenceWaitMs(supervisor), sim };
}

function vmOwner(cluster: BlixardCluster): string | null {
  for (const leader of cluster.leaders()) {
    const state = cluster.node(leader.id)?.stateMachine.module("cluster") as ClusterModule | undefined;
    const vm = state?.getVm("db-1");
    if (vm !== undefined) return vm.placement?.hostId ?? null;
  }
  return null;
}

describe("fencing and the clock-drift bound", () => {
  it("within the stated bound (host clock 900 ppm slow, bound 1000 ppm) the VM moves and never runs twice", () => {
    const run = isolateVmHost(-900);
    expect(run.failure).toBeNull();
    expect(run.movedTo).not.toBeNull();
    expect(run.movedTo).not.toBe(SLOW_HOST);
  });

  it("beyond the bound (host clock 30% slow) the cut-off host outlives the leader's fence wait and the VM runs on two hosts", () => {
    const run = isolateVmHost(-300_000);
    // lease 3000 ms by a clock at 0.7x lasts ~4286 ms of real time; the leader waits only ~3206 ms.
    expect(run.fenceWaitMs).toBeLessThan(3000 / 0.7);
    expect(run.failure).toMatch(/^vm\.safety: VM db-1 runs on two hosts at once/);
  });

  it("a host agent stalled past its lease end cannot stop its VM, but the VM's fence does, before the leader moves it", () => {
    const run = isolateVmHost(0, true);
    expect(run.failure).toBeNull();
    expect(run.movedTo).not.toBeNull();
    expect(run.movedTo).not.toBe(SLOW_HOST);
    // The host never ran again: only the fence (the spawner's watchdog) can have stopped the VM there.
    expect(run.sim.status(SLOW_HOST)).toBe("paused");
    expect(run.sim.aliveProcesses().filter((p) => p.vmName === "db-1" && p.nodeId === SLOW_HOST)).toEqual([]);
    expect(run.sim.processes.stats.killed).toBeGreaterThan(0);
  });
});
