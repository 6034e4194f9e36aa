import { blixardError, err, ok, type Result } from "../errors";
import { maxEntriesPerMessage, maxNodeIdBytes, maxSnapshotChunkBytes } from "./messages";
import type { RaftConfig } from "./types";

const isPositiveInt = (v: number, max = Number.MAX_SAFE_INTEGER) => Number.isSafeInteger(v) && v >= 1 && v <= max;

/** Checks a RaftConfig before a Raft is built from it; the constructor asserts this. */
export function validateRaftConfig(c: RaftConfig): Result<void> {
  const bad = (field: string, rule: string) =>
    err(blixardError("invalid-raft-config", `raft config field '${field}' ${rule}`, { hint: "fix the node configuration" }));
  if (typeof c.id !== "string" || c.id.length === 0 || c.id.length > maxNodeIdBytes) return bad("id", `must be 1..${maxNodeIdBytes} characters`);
  if (!isPositiveInt(c.heartbeatIntervalTicks)) return bad("heartbeatIntervalTicks", "must be a positive integer");
  if (!isPositiveInt(c.electionTimeoutTicks) || c.electionTimeoutTicks <= c.heartbeatIntervalTicks) {
    return bad("electionTimeoutTicks", "must be an integer greater than heartbeatIntervalTicks");
  }
  if (!isPositiveInt(c.maxEntriesPerAppend, maxEntriesPerMessage)) return bad("maxEntriesPerAppend", `must be 1..${maxEntriesPerMessage}`);
  if (!isPositiveInt(c.maxBytesPerAppend)) return bad("maxBytesPerAppend", "must be a positive integer");
  if (!isPositiveInt(c.maxInflightAppends, 4096)) return bad("maxInflightAppends", "must be 1..4096");
  if (!isPositiveInt(c.maxUncommittedEntries)) return bad("maxUncommittedEntries", "must be a positive integer");
  if (!isPositiveInt(c.snapshotChunkBytes, maxSnapshotChunkBytes)) return bad("snapshotChunkBytes", `must be 1..${maxSnapshotChunkBytes}`);
  if (typeof c.preVote !== "boolean" || typeof c.checkQuorum !== "boolean") return bad("preVote/checkQuorum", "must be booleans");
  if (c.leaseReads !== null) {
    if (!c.checkQuorum) return bad("leaseReads", "needs checkQuorum: followers' vote lease is what makes a read lease safe");
    if (!isPositiveInt(c.leaseReads.leaseMs)) return bad("leaseReads.leaseMs", "must be a positive integer (see leaseDurationMs)");
    if (typeof c.leaseReads.nowMs !== "function") return bad("leaseReads.nowMs", "must be the node's monotonic clock");
  }
  return ok(undefined);
}
