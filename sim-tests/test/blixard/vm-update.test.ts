import { describe, expect, it } from "vitest";
import { ClusterClient, type ClusterModule, defaultClusterClientConfig, defaultHostConfig, defaultSupervisorConfig, hostServices, type VmRecord } from "@blixard/core";
import { BlixardCluster, Simulation, VmSafetyChecker } from "@blixard/runtime-sim";

const NODES = ["n1", "n2", "n3"];

/**
 * A changed spec reaches the running VM without a manual step: update-vm
 * commits, the owner's controller sees that the new spec launches something
 * else, stops the VM and starts it again with the new spec on the same host
 * (same placement generation); a change that launches the same (priority)
 * leaves the process alone. Deterministic: the same seed gives the same trace.
 */
function scenario(seed: number) {
  const sim = new Simulation({ seed });
  const cluster = new BlixardCluster(sim, NODES, {
    nodeOptions: (id) => ({ services: hostServices({ ...defaultHostConfig(id, "sim"), capacity: { vcpus: 8, memoryMib: 8192, diskGib: 100 } }, defaultSupervisorConfig()) }),
  });
  const safety = new VmSafetyChecker(sim, cluster);
  sim.addInvariant("vm.safety", () => safety.firstViolation());
  const client = sim.addClient("operator", (rt) => new ClusterClient(rt, defaultClusterClientConfig(NODES)));
  const spec = { name: "web-1", vcpus: 2, memoryMib: 512, restartPolicy: { kind: "always" } };
  const outcomes: string[] = [];
  // `afterUs` from now (Simulation.schedule takes a delay).
  const submit = (afterUs: number, command: Record<string, unknown>) =>
    sim.schedule(afterUs, String(command.type), () => {
      const accepted = client.submit({ module: "cluster", command }, (outcome) => outcomes.push(outcome.kind === "ok" ? resultText(outcome.result) : `failed: ${outcome.error.message}`));
      if (!accepted) outcomes.push(`not submitted: the client is busy (${String(command.type)})`);
    });
  submit(3_000_000, { type: "create-vm", desired: "running", spec });
  const processes = () => sim.aliveProcesses().filter((p) => p.vmName === "web-1");
  sim.runUntil(12_000_000);
  const before = processes();
  submit(0, { type: "update-vm", spec: { ...spec, priority: 80 } });
  sim.runUntil(16_000_000);
  const afterPriority = processes();
  submit(0, { type: "update-vm", spec: { ...spec, priority: 80, vcpus: 4, memoryMib: 1024 } });
  sim.runUntil(30_000_000);
  const after = processes();
  const vm = vmRecord(cluster);
  return { sim, outcomes, before, afterPriority, after, vm, trace: sim.trace.digestHex() };
}

/** A cluster command's result: its effect (applied, ignored). */
function resultText(result: unknown): string {
  return `ok ${(result as { effect?: string }).effect}`;
}

function vmRecord(cluster: BlixardCluster): VmRecord | undefined {
  for (const leader of cluster.leaders()) {
    const vm = (cluster.node(leader.id)?.stateMachine.module("cluster") as ClusterModule | undefined)?.getVm("web-1");
    if (vm !== undefined) return vm;
  }
  return undefined;
}

describe("a changed VM spec is applied by the reconciler", () => {
  it("restarts the VM with the new spec on the same host when its launch changed, and not when it did not", () => {
    const run = scenario(9001);
    expect(run.sim.failure).toBeNull();
    expect(run.outcomes).toEqual(["ok applied", "ok applied", "ok applied"]);
    expect(run.before).toHaveLength(1);
    // Priority does not change what is launched: the same process runs on.
    expect(run.afterPriority.map((p) => p.processId)).toEqual(run.before.map((p) => p.processId));
    expect(run.after).toHaveLength(1);
    expect(run.after[0]!.processId).not.toBe(run.before[0]!.processId);
    expect([run.after[0]!.nodeId, run.after[0]!.generation, run.after[0]!.booted]).toEqual([run.before[0]!.nodeId, run.before[0]!.generation, true]);
    expect(run.vm).toMatchObject({ status: "running", spec: { vcpus: 4, memoryMib: 1024, priority: 80 }, placement: { hostId: run.before[0]!.nodeId } });
    // running → stopping (spec changed) → starting → running, on the same placement.
    expect(run.vm!.history.map((t) => t.to).slice(-3)).toEqual(["stopping", "starting", "running"]);
  });

  it("is deterministic: one seed, one trace", () => {
    expect(scenario(9002).trace).toBe(scenario(9002).trace);
  });
});
