import { ClusterModule } from "../../src/state/cluster/module";
import type { Result } from "../../src/errors";
import type { ClusterApplied } from "../../src/state/cluster/types";

/** A module plus a log position: each `run` validates and applies like the state machine does. */
export class Harness {
  readonly module = new ClusterModule();
  index = 0;

  run(command: unknown): Result<ClusterApplied> {
    const valid = this.module.validate(command);
    if (!valid.ok) return valid;
    this.index++;
    return this.module.apply(valid.value, { index: this.index, term: 1, proposedAtMs: this.index * 100 });
  }

  /** Run and insist it applied; returns the detail. */
  must(command: unknown): string {
    const r = this.run(command);
    if (!r.ok) throw new Error(`expected ${JSON.stringify(command)} to apply: ${r.error.message}`);
    return r.value.detail;
  }

  host(hostId: string, vcpus = 8, memoryMib = 8192, features: string[] = ["kvm"]): void {
    this.must({ type: "register-host", hostId, address: `${hostId}:7000`, capacity: { vcpus, memoryMib, diskGib: 100 }, features });
  }

  vm(name: string, vcpus = 2, memoryMib = 1024, extra: Record<string, unknown> = {}): void {
    this.must({ type: "create-vm", spec: { name, vcpus, memoryMib, ...extra }, desired: "running" });
  }

  place(vmName: string, hostId: string): Result<ClusterApplied> {
    const vm = this.module.getVm(vmName);
    return this.run({ type: "place-vm", vmName, hostId, expectedGeneration: vm?.generation ?? 0 });
  }

  report(vmName: string, observed: string, hostId?: string, generation?: number): Result<ClusterApplied> {
    const p = this.module.getVm(vmName)?.placement;
    return this.run({ type: "report-vm-status", vmName, hostId: hostId ?? p?.hostId, generation: generation ?? p?.generation, observed, detail: null, exitCode: null });
  }
}
