import { blixardError, err, type ClusterApplied, type Result, type VmRecord, type VmStatus } from "@blixard/core";
import type { BlixardClient, OpFailure } from "./blixard-client";

/** Between two reads while waiting for a VM to reach a status. */
export const VM_POLL_INTERVAL_MS = 200;

/** One cluster-module command or query through the client. */
export function clusterOp<T = unknown>(client: BlixardClient, command: Record<string, unknown>): Promise<Result<T, OpFailure>> {
  return client.run({ module: "cluster", command }) as Promise<Result<T, OpFailure>>;
}

export function setDesired(client: BlixardClient, vmName: string, desired: "running" | "stopped" | "deleted"): Promise<Result<ClusterApplied, OpFailure>> {
  return clusterOp<ClusterApplied>(client, { type: "set-desired", vmName, desired });
}

export function getVm(client: BlixardClient, name: string): Promise<Result<VmRecord, OpFailure>> {
  return clusterOp<VmRecord>(client, { type: "get-vm", name });
}

/**
 * Read the VM until `done(status)` holds or `timeoutMs` passes; bounded in
 * time and in reads. Returns the last record seen.
 */
export async function waitForVm(client: BlixardClient, name: string, done: (vm: VmRecord) => boolean, timeoutMs: number): Promise<Result<VmRecord, OpFailure>> {
  const deadlineMs = performance.now() + timeoutMs;
  const readsMax = Math.ceil(timeoutMs / VM_POLL_INTERVAL_MS) + 1;
  let last: VmRecord | null = null;
  for (let read = 0; read < readsMax && performance.now() < deadlineMs; read++) {
    const vm = await getVm(client, name);
    if (!vm.ok) return vm;
    last = vm.value;
    if (done(vm.value)) return vm;
    await new Promise((resolve) => setTimeout(resolve, VM_POLL_INTERVAL_MS));
  }
  const seen = last === null ? "never read" : `still ${last.status} (desired ${last.desired})${last.pendingReason === null ? "" : `: ${last.pendingReason}`}`;
  return err({ ...blixardError("wait-timeout", `VM ${name} did not settle within ${timeoutMs} ms; ${seen}`, { hint: "see blixard vm status for its history" }), definite: true });
}

/** Statuses from which a VM is no longer running anywhere. */
export const STOPPED_STATUSES: readonly VmStatus[] = ["stopped", "failed", "pending"];

export function isSettledRunning(vm: VmRecord): boolean {
  return vm.status === "running" || vm.status === "failed";
}
