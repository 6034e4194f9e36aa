import { expect, it } from "vitest";
import type { ProcessEvent } from "@blixard/core";
import { eventually, spawnRecorded, type ContractContext } from "./contract-types";

export function spawnerCases(context: ContractContext): void {
  const { launches, patienceMs } = context.factory;

  it("a process starts, prints output, boots, and stop() ends it with one final exited event", async () => {
    const cluster = await context.cluster(["n1"]);
    const vm = spawnRecorded(cluster.runtime("n1"), "vm-stop", launches.longRunning);
    expect(vm.events, "events must never arrive synchronously from spawn()").toEqual([]);
    await eventually(cluster, () => vm.kinds().includes("booted") && vm.kinds().includes("output"), patienceMs, "boot");
    expect(vm.kinds()[0]).toBe("started");
    expect(vm.events.every((event) => event.processId === vm.handle.processId)).toBe(true);
    expect(vm.terminal()).toEqual([]);
    vm.handle.stop();
    await eventually(cluster, () => vm.terminal().length > 0, patienceMs, "exit after stop()");
    await cluster.settle(50);
    expect(vm.terminal()).toHaveLength(1);
    expect(vm.events.at(-1)?.kind).toBe("exited");
    const exited = vm.events.at(-1) as Extract<ProcessEvent, { kind: "exited" }>;
    // A clean stop: exit code 0 (guest powered off) or death by the SIGTERM that asked it to.
    expect(exited.exitCode === 0 || exited.signal === "SIGTERM").toBe(true);
  });

  it("kill() ends a running process with SIGKILL; stop/kill afterwards are no-ops", async () => {
    const cluster = await context.cluster(["n1"]);
    const vm = spawnRecorded(cluster.runtime("n1"), "vm-kill", launches.longRunning);
    await eventually(cluster, () => vm.kinds().includes("started"), patienceMs, "start");
    vm.handle.kill();
    await eventually(cluster, () => vm.terminal().length > 0, patienceMs, "exit after kill()");
    vm.handle.kill();
    vm.handle.stop();
    await cluster.settle(50);
    expect(vm.terminal()).toEqual([{ kind: "exited", processId: vm.handle.processId, exitCode: null, signal: "SIGKILL" }]);
  });

  it("a process that cannot start reports exactly one spawn-failed with a reason, and nothing else", async () => {
    const cluster = await context.cluster(["n1"]);
    const vm = spawnRecorded(cluster.runtime("n1"), "vm-bad", launches.failsToSpawn);
    expect(vm.events).toEqual([]);
    await eventually(cluster, () => vm.terminal().length > 0, patienceMs, "spawn-failed");
    await cluster.settle(50);
    expect(vm.kinds()).toEqual(["spawn-failed"]);
    const failed = vm.events[0] as Extract<ProcessEvent, { kind: "spawn-failed" }>;
    expect(failed.reason.length).toBeGreaterThan(0);
    expect(() => vm.handle.stop()).not.toThrow();
  });

  it.skipIf(launches.exitsByItself === undefined)("a process that exits by itself reports its output lines, then its exit code", async () => {
    const spec = launches.exitsByItself!;
    const cluster = await context.cluster(["n1"]);
    const vm = spawnRecorded(cluster.runtime("n1"), "vm-exit", spec.launch);
    await eventually(cluster, () => vm.terminal().length > 0, patienceMs, "exit by itself");
    const lines = vm.events.flatMap((event) => (event.kind === "output" ? [event.line] : []));
    expect(lines).toEqual(spec.lines);
    expect(vm.kinds()[0]).toBe("started");
    expect(vm.events.at(-1)).toEqual({ kind: "exited", processId: vm.handle.processId, exitCode: spec.exitCode, signal: null });
  });
}
