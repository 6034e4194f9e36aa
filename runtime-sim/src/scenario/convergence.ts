import type { BlixardCluster } from "./blixard-cluster";

/**
 * After the quiet phase every node is serving and a voter again, and every
 * node has applied at least what the leader had committed a moment before the
 * end (`mustHaveApplied`: hosts keep proposing heartbeats, so "equal right
 * now" would race the last one); nodes at the same applied index hold the same
 * state digest. A node that refused to start on corrupt storage is no longer
 * excused: the repair operator (repair-operator.ts) wipes and re-adds it, so
 * one still refusing, or still out of the voter set, is a failed repair.
 */
export function convergenceProblem(cluster: BlixardCluster, mustHaveApplied: number): string | null {
  const refused = cluster.refusedNodes();
  if (refused.size > 0) {
    return `nodes still refuse on corrupt storage after the quiet phase (not repaired): ${[...refused.entries()].map(([id, why]) => `${id} (${why})`).join("; ")}`;
  }
  const leaders = cluster.leaders();
  if (leaders.length !== 1) return `expected one leader after the quiet phase, found ${leaders.length}: ${leaders.map((l) => `${l.id}@${l.term}`).join(", ")}`;
  const voters = cluster.node(leaders[0]?.id ?? "")?.raftStatus()?.config.voters ?? [];
  const missing = cluster.nodeIds.filter((id) => !voters.includes(id));
  if (missing.length > 0) return `nodes ${missing.join(", ")} are not voters after the quiet phase (voters: ${voters.join(", ")}): a repair did not finish`;
  const digestAt = new Map<number, { id: string; digest: string }>();
  for (const id of cluster.nodeIds) {
    const node = cluster.node(id);
    if (node === undefined) return `node ${id} is not up after the quiet phase`;
    if (node.health !== "serving") return `node ${id} is ${node.health}: ${node.failureReason()?.message ?? "no reason recorded"}`;
    const applied = node.stateMachine.appliedIndex;
    if (applied < mustHaveApplied) return `node ${id} applied ${applied} but the leader had committed ${mustHaveApplied} before the end: not converged`;
    const nodeDigest = node.stateMachine.digest;
    const other = digestAt.get(applied);
    if (other !== undefined && other.digest !== nodeDigest) return `nodes ${other.id} and ${id} both applied ${applied} but hold digests ${other.digest} and ${nodeDigest}`;
    digestAt.set(applied, { id, digest: nodeDigest });
  }
  return null;
}
