import { blixardError, err, ok } from "../../errors";
import type { Result } from "../../errors";
import type { ClusterState } from "./cluster-state";
import { CLUSTER_PEERS_MAX } from "./types";
import type { ClusterApplied, ClusterCommand } from "./types";

type SetPeerAddress = Extract<ClusterCommand, { type: "set-peer-address" }>;

/**
 * Record where a node is reached. Declarative, so a retried or repeated
 * publication is a no-op ("ignored"), and a changed address replaces the old.
 */
export function setPeerAddressCommand(state: ClusterState, c: SetPeerAddress): Result<ClusterApplied> {
  const previous = state.peers.get(c.nodeId);
  if (previous === c.address) return ok({ command: c.type, effect: "ignored", detail: `node ${c.nodeId} is already reached at ${c.address}` });
  if (previous === undefined && state.peers.size >= CLUSTER_PEERS_MAX) {
    return err(
      blixardError("too-many-peers", `cannot record an address for node ${c.nodeId}: the cluster already knows ${CLUSTER_PEERS_MAX} peer addresses`, {
        hint: "a cluster this large is not supported; check for runaway node ids",
      }),
    );
  }
  state.peers.set(c.nodeId, c.address);
  const detail = previous === undefined ? `node ${c.nodeId} is reached at ${c.address}` : `node ${c.nodeId} moved from ${previous} to ${c.address}`;
  return ok({ command: c.type, effect: "applied", detail });
}
