import { blixardError, type BlixardError } from "../errors";
import type { RaftCore } from "./raft-core";

export function notLeader(r: RaftCore): BlixardError {
  const hint = r.leaderId !== null && r.leaderId !== r.id ? `send it to the leader: ${r.leaderId}` : "no leader is known yet: retry after an election timeout";
  return blixardError("not-leader", `node ${r.id} is ${r.publicRole()} in term ${r.term}, not the leader`, { nodeId: r.id, hint });
}
