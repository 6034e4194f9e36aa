import { blixardError, err, ok } from "../../errors";
import type { Result } from "../../errors";
import type { HostRecord } from "../../vm/host";
import { firstShortfall } from "../../scheduler/resources-math";
import type { ApplyContext } from "../module";
import type { ClusterState } from "./cluster-state";
import { CLUSTER_HOSTS_MAX } from "./types";
import type { ClusterApplied, ClusterCommand } from "./types";

type HostCommand = Extract<ClusterCommand, { type: "register-host" | "host-heartbeat" | "set-host-status" | "cordon" | "uncordon" | "drain" }>;

const applied = (command: ClusterCommand["type"], detail: string): Result<ClusterApplied> => ok({ command, effect: "applied", detail });
const ignored = (command: ClusterCommand["type"], detail: string): Result<ClusterApplied> => ok({ command, effect: "ignored", detail });

export function unknownHost(hostId: string): Result<never> {
  return err(blixardError("unknown-host", `host ${hostId} is not registered`, { hint: "register the host first (blixard host list shows known hosts)" }));
}

export function applyHostCommand(state: ClusterState, c: HostCommand, ctx: ApplyContext): Result<ClusterApplied> {
  if (c.type === "register-host") return registerHost(state, c, ctx);
  const host = state.hosts.get(c.hostId);
  if (host === undefined) return unknownHost(c.hostId);
  switch (c.type) {
    case "host-heartbeat":
      // Heartbeats may be reordered on the way to the log; an older one must not rewind the clock,
      // but it still renewed the host's lease (the host counts it), so its index is recorded.
      if (c.atMs < host.lastHeartbeatMs) {
        state.putHost({ ...host, lastHeartbeatIndex: ctx.index });
        return applied(c.type, `host ${host.id} heartbeat at index ${ctx.index}; its clock reading ${c.atMs} ms is older than the recorded ${host.lastHeartbeatMs} ms`);
      }
      state.putHost({ ...host, lastHeartbeatMs: c.atMs, lastHeartbeatIndex: ctx.index });
      return applied(c.type, `host ${host.id} heartbeat at ${c.atMs} ms`);
    case "set-host-status":
      if (host.status === c.status) return ignored(c.type, `host ${host.id} is already ${c.status}`);
      state.putHost({ ...host, status: c.status });
      return applied(c.type, `host ${host.id} ${host.status} -> ${c.status}`);
    case "cordon":
      state.putHost({ ...host, cordoned: true });
      return applied(c.type, `host ${host.id} cordoned: no new placements`);
    case "uncordon":
      state.putHost({ ...host, cordoned: false, draining: false });
      return applied(c.type, `host ${host.id} open for placements`);
    case "drain":
      state.putHost({ ...host, cordoned: true, draining: true });
      return applied(c.type, `host ${host.id} draining: ${state.vmNamesOnHost(host.id).length} VMs to move`);
  }
}

function registerHost(state: ClusterState, c: Extract<HostCommand, { type: "register-host" }>, ctx: ApplyContext): Result<ClusterApplied> {
  const existing = state.hosts.get(c.hostId);
  if (existing === undefined) {
    if (state.hosts.size >= CLUSTER_HOSTS_MAX) {
      return err(blixardError("too-many-hosts", `cannot register host ${c.hostId}: the cluster already has ${CLUSTER_HOSTS_MAX} hosts`));
    }
    const host: HostRecord = {
      id: c.hostId,
      address: c.address,
      capacity: c.capacity,
      features: c.features,
      status: "healthy",
      cordoned: false,
      draining: false,
      lastHeartbeatMs: ctx.proposedAtMs,
      lastHeartbeatIndex: 0,
      registeredAtIndex: ctx.index,
    };
    state.putHost(host);
    return applied(c.type, `host ${c.hostId} registered`);
  }
  // Re-registration (agent restart, hardware change) may not shrink below what is already committed.
  const allocated = state.allocationOf(c.hostId);
  const short = firstShortfall(c.capacity, allocated);
  if (short !== null) {
    return err(
      blixardError("capacity-below-allocation", `host ${c.hostId} cannot shrink ${short} to ${c.capacity[short]}: ${allocated[short]} is allocated to its VMs`, {
        hint: "drain the host first",
      }),
    );
  }
  state.putHost({ ...existing, address: c.address, capacity: c.capacity, features: c.features, lastHeartbeatMs: Math.max(existing.lastHeartbeatMs, ctx.proposedAtMs) });
  return applied(c.type, `host ${c.hostId} re-registered`);
}
