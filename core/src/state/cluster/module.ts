import { blixardError, err, ok } from "../../errors";
import type { Result } from "../../errors";
import { compareIds } from "../../scheduler/resources-math";
import type { SchedulerView } from "../../scheduler/types";
import type { HostRecord } from "../../vm/host";
import type { Resources } from "../../vm/spec";
import type { ApplyContext } from "../module";
import type { QueryableModule } from "../queryable";
import { applyHostCommand } from "./apply-hosts";
import { setPeerAddressCommand } from "./apply-peers";
import { evictVmCommand, migrateVmCommand, placeVmCommand, setPendingReasonCommand, unplaceVmCommand } from "./apply-placement";
import { createVmCommand, reportStatusCommand, setDesiredCommand } from "./apply-vms";
import { updateVmCommand } from "./apply-update";
import { ClusterState } from "./cluster-state";
import { imageOf, stateFromImage } from "./image";
import type { ClusterImage } from "./image";
import { clusterInvariantViolations } from "./invariants";
import type { PeerAddress } from "./peer-address";
import { clusterModuleName } from "./types";
import type { ClusterApplied, ClusterCommand, VmRecord } from "./types";
import { validateClusterCommand } from "./validate-command";

export interface PendingVm {
  readonly name: string;
  readonly priority: number;
  readonly reason: string;
}

/**
 * The "cluster" state module: hosts, VMs, placements and their statuses.
 * Every placement is re-validated here at apply time, so the scheduler may
 * work from stale views without ever overcommitting a host.
 */
export class ClusterModule implements QueryableModule<ClusterCommand, Result<ClusterApplied>> {
  readonly name = clusterModuleName;
  private state = new ClusterState();

  validate(command: unknown): Result<ClusterCommand> {
    return validateClusterCommand(command);
  }

  apply(c: ClusterCommand, ctx: ApplyContext): Result<ClusterApplied> {
    switch (c.type) {
      case "register-host":
      case "host-heartbeat":
      case "set-host-status":
      case "cordon":
      case "uncordon":
      case "drain":
        return applyHostCommand(this.state, c, ctx);
      case "set-peer-address":
        return setPeerAddressCommand(this.state, c);
      case "create-vm":
        return createVmCommand(this.state, c, ctx);
      case "update-vm":
        return updateVmCommand(this.state, c);
      case "set-desired":
        return setDesiredCommand(this.state, c, ctx);
      case "place-vm":
        return placeVmCommand(this.state, c, ctx);
      case "set-pending-reason":
        return setPendingReasonCommand(this.state, c);
      case "evict-vm":
        return evictVmCommand(this.state, c);
      case "unplace-vm":
        return unplaceVmCommand(this.state, c, ctx);
      case "migrate-vm":
        return migrateVmCommand(this.state, c);
      case "report-vm-status":
        return reportStatusCommand(this.state, c, ctx);
    }
  }

  snapshot(): ClusterImage {
    return imageOf(this.state);
  }

  /** Throws InvariantViolation for a malformed image and keeps the old state. */
  restore(image: unknown): void {
    this.state = stateFromImage(image);
  }

  listVms(): VmRecord[] {
    return this.state.sortedVms();
  }

  getVm(name: string): VmRecord | undefined {
    return this.state.vms.get(name);
  }

  listHosts(): HostRecord[] {
    return this.state.sortedHosts();
  }

  getHost(hostId: string): HostRecord | undefined {
    return this.state.hosts.get(hostId);
  }

  /** Every known peer address, sorted by node id. */
  listPeers(): PeerAddress[] {
    return this.state.sortedPeers();
  }

  peerAddress(nodeId: string): string | undefined {
    return this.state.peers.get(nodeId);
  }

  /** VMs wanting a host, in the order a scheduler should take them: priority first, then name. */
  pendingVms(): PendingVm[] {
    return this.state
      .sortedVms()
      .filter((vm) => vm.placement === null && vm.desired === "running")
      .map((vm) => ({ name: vm.spec.name, priority: vm.spec.priority, reason: vm.pendingReason ?? "waiting for the scheduler" }))
      .sort((a, b) => b.priority - a.priority || compareIds(a.name, b.name));
  }

  /** VMs placed on a host (running, starting or stopping there), sorted by name. */
  vmsOnHost(hostId: string): VmRecord[] {
    return this.state.vmNamesOnHost(hostId).flatMap((name) => this.state.vms.get(name) ?? []);
  }

  /** VMs on draining hosts that have no move under way yet: the leader migrates them. */
  vmsToEvacuate(): VmRecord[] {
    return this.state
      .sortedHosts()
      .filter((h) => h.draining)
      .flatMap((h) => this.vmsOnHost(h.id))
      .filter((vm) => vm.move === null && vm.desired === "running");
  }

  allocationOf(hostId: string): Resources {
    return this.state.allocationOf(hostId);
  }

  schedulerView(): SchedulerView {
    return this.state.schedulerView();
  }

  /** Safety checks for the simulator's checkers; empty when all hold. */
  invariantViolations(): string[] {
    return clusterInvariantViolations(this.state);
  }

  /** Exposed for checkers that track state across applies (GenerationTracker). */
  get data(): ClusterState {
    return this.state;
  }

  query(query: unknown): Result<unknown> {
    const q = query as { type?: unknown; name?: unknown; hostId?: unknown } | null;
    switch (typeof q === "object" && q !== null ? q.type : undefined) {
      case "list-vms":
        return ok(this.listVms());
      case "list-hosts":
        return ok(this.listHosts());
      case "pending-vms":
        return ok(this.pendingVms());
      case "list-peers":
        return ok(this.listPeers());
      case "get-vm": {
        const vm = typeof q?.name === "string" ? this.getVm(q.name) : undefined;
        return vm === undefined ? err(blixardError("unknown-vm", `no VM named ${String(q?.name)}`)) : ok(vm);
      }
      case "vms-on-host":
        return typeof q?.hostId === "string" && this.state.hosts.has(q.hostId)
          ? ok({ vms: this.vmsOnHost(q.hostId), allocated: this.allocationOf(q.hostId) })
          : err(blixardError("unknown-host", `host ${String(q?.hostId)} is not registered`));
      default:
        return err(blixardError("invalid-query", "cluster query type must be one of list-vms, list-hosts, list-peers, pending-vms, get-vm, vms-on-host"));
    }
  }
}
