import { blixardError, type BlixardError } from "../errors";
import type { NodeId } from "./log-types";
import type { RaftCore } from "./raft-core";

/** One configuration change at a time: the one at `configIndex` has not committed (the commit index is `commitIndex`). */
export function configChangePending(nodeId: NodeId, configIndex: number, commitIndex: number): BlixardError {
  return blixardError("config-change-pending", `node ${nodeId}: a configuration change (index ${configIndex}) is not committed yet (commit index ${commitIndex})`, {
    nodeId,
    hint: "wait until the previous change commits, then retry",
  });
}

export function notLeader(r: RaftCore): BlixardError {
  const hint = r.leaderId !== null && r.leaderId !== r.id ? `send it to the leader: ${r.leaderId}` : "no leader is known yet: retry after an election timeout";
  return blixardError("not-leader", `node ${r.id} is ${r.publicRole()} in term ${r.term}, not the leader`, { nodeId: r.id, hint });
}
