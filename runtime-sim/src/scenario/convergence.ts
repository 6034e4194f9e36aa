import type { BlixardCluster } from "./blixard-cluster";

/**
 * After the quiet phase every serving node has applied at least what the
 * leader had committed a moment before the end (`mustHaveApplied`: hosts keep
 * proposing heartbeats, so "equal right now" would race the last one), and
 * nodes at the same applied index hold the same state digest. Nodes that refused to start on
 * detected storage corruption are excused (refusing is the correct reaction)
 * as long as they are a minority; a corrupt majority cannot make progress.
 */
export function convergenceProblem(cluster: BlixardCluster, mustHaveApplied: number): string | null {
  const refused = cluster.refusedNodes();
  if (refused.size * 2 >= cluster.nodeIds.length) {
    return `a majority refused to start on corrupt storage: ${[...refused.entries()].map(([id, why]) => `${id} (${why})`).join("; ")}`;
  }
  const leaders = cluster.leaders();
  if (leaders.length !== 1) return `expected one leader after the quiet phase, found ${leaders.length}: ${leaders.map((l) => `${l.id}@${l.term}`).join(", ")}`;
  const serving = cluster.nodeIds.filter((id) => !refused.has(id));
  const digestAt = new Map<number, { id: string; digest: string }>();
  for (const id of serving) {
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
