import { assert, blixardError, err, ok, type Result } from "../errors";
import { applyConfigChange, type ConfigChange, configsEqual, decodeConfigEntry, encodeConfigEntry, isVoter } from "./cluster-config";
import type { ClusterConfig, NodeId } from "./log-types";
import type { RaftCore } from "./raft-core";
import { releaseReadsAwaitingCommit } from "./read-index";
import { broadcastAppend, leaderAppend, maybeSendAppend } from "./replication";
import { becomeFollower } from "./roles";
import { configChangePending, notLeader } from "./errors-raft";

/**
 * Single-server membership changes (thesis §4.1): a configuration takes
 * effect on each node as soon as its entry is in that node's log, committed
 * or not, and reverts if the entry is truncated. Safety: any majority of
 * C_old and any majority of C_new (which differ by one server) intersect, so
 * two leaders cannot be elected in one term from the two configurations. The
 * leader allows one uncommitted config entry at a time, and only after it has
 * committed an entry of its own term (the fix to the single-server bug
 * described by Ongaro on raft-dev, 2015), so configurations change one step
 * at a time along the committed history.
 */
export function configAt(r: RaftCore, index: number): { config: ClusterConfig; index: number } {
  for (let i = Math.min(index, r.log.lastIndex()); i > r.log.snapshotIndex; i--) {
    const entry = r.log.entryAt(i);
    if (entry?.kind === "config") {
      const decoded = decodeConfigEntry(entry.data);
      assert(decoded.ok, "config entries in the log decode", `entry ${i} on ${r.id}`);
      return { config: decoded.value.config, index: i };
    }
  }
  if (r.log.snapshot !== null) return { config: r.log.snapshot.meta.config, index: r.log.snapshot.meta.configIndex };
  return { config: r.bootstrapConfig, index: 0 };
}

/** The log changed (append with a config entry, truncation, snapshot): refresh the configuration in force. */
export function recomputeConfig(r: RaftCore): void {
  const latest = configAt(r, r.log.lastIndex());
  r.configIndex = latest.index;
  if (configsEqual(latest.config, r.config)) return;
  r.config = latest.config;
  r.syncProgress();
}

export function proposeConfigChange(r: RaftCore, change: ConfigChange): Result<{ index: number; term: number }> {
  if (r.role !== "leader") return err(notLeader(r));
  if (r.leadTransferee !== null) return err(transferInProgress(r));
  if (r.pendingConfigIndex > r.log.committed || !r.committedInCurrentTerm()) return err(configChangePending(r.id, r.pendingConfigIndex, r.log.committed));
  const next = applyConfigChange(r.config, change, r.id);
  if (!next.ok) return next;
  const payload = encodeConfigEntry({ change, config: next.value });
  const appended = leaderAppend(r, "config", payload);
  r.pendingConfigIndex = appended.index;
  r.config = next.value;
  r.configIndex = appended.index;
  r.syncProgress();
  return ok(appended);
}

/** Leader bookkeeping once the commit index moved. */
export function onCommitAdvanced(r: RaftCore): void {
  if (r.role !== "leader") return;
  releaseReadsAwaitingCommit(r);
  if (r.configIndex <= r.log.committed && !isVoter(r.config, r.id)) stepDownAfterRemoval(r);
}

/**
 * The leader's own removal is committed: tell followers the commit index,
 * hand leadership to the most caught-up voter, then stop leading.
 */
function stepDownAfterRemoval(r: RaftCore): void {
  broadcastAppend(r);
  const last = r.log.lastIndex();
  const target = [...r.progress.entries()]
    .filter(([id, pr]) => isVoter(r.config, id) && pr.match === last)
    .map(([id]) => id)
    .sort()[0];
  if (target !== undefined) r.send({ type: "timeout-now", from: r.id, to: target, term: r.term });
  becomeFollower(r, r.term, null);
}

export function transferInProgress(r: RaftCore) {
  return blixardError("leadership-transfer-in-progress", `node ${r.id} is handing leadership to ${r.leadTransferee}`, {
    nodeId: r.id,
    hint: "retry on the new leader after the transfer completes (at most one election timeout)",
  });
}

/** Leadership transfer (thesis §3.10): catch the target up, then tell it to campaign at once. */
export function transferLeadership(r: RaftCore, to: NodeId): Result<void> {
  if (r.role !== "leader") return err(notLeader(r));
  if (to === r.id) return ok(undefined);
  if (!isVoter(r.config, to) || !r.progress.has(to)) {
    return err(blixardError("invalid-transfer-target", `node ${r.id} cannot transfer leadership to ${to}: not a voter`, { nodeId: r.id }));
  }
  if (r.leadTransferee === to) return ok(undefined);
  r.leadTransferee = to;
  // The target will campaign past the followers' vote lease: no lease reads for the rest of this term.
  r.leaseRevoked = true;
  r.electionElapsed = 0;
  if (!sendTimeoutNowIfCaughtUp(r, to)) maybeSendAppend(r, to, true);
  return ok(undefined);
}

export function sendTimeoutNowIfCaughtUp(r: RaftCore, to: NodeId): boolean {
  if (r.leadTransferee !== to || r.progress.get(to)?.match !== r.log.lastIndex()) return false;
  r.send({ type: "timeout-now", from: r.id, to, term: r.term });
  return true;
}
