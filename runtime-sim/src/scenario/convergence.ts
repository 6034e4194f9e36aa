import type { BlixardCluster } from "./blixard-cluster";

/**
 * After the quiet phase every serving node holds the same applied index and the
 * same state digest as the leader's commit. Nodes that refused to start on
 * detected storage corruption are excused (refusing is the correct reaction)
 * as long as they are a minority; a corrupt majority cannot make progress.
 */
export function convergenceProblem(cluster: BlixardCluster): string | null {
  const refused = cluster.refusedNodes();
  if (refused.size * 2 >= cluster.nodeIds.length) {
    return `a majority refused to start on corrupt storage: ${[...refused.entries()].map(([id, why]) => `${id} (${why})`).join("; ")}`;
  }
  const leaders = cluster.leaders();
  if (leaders.length !== 1) return `expected one leader after the quiet phase, found ${leaders.length}: ${leaders.map((l) => `${l.id}@${l.term}`).join(", ")}`;
  const leader = cluster.node(leaders[0]?.id ?? "");
  const commit = leader?.raftStatus()?.commitIndex ?? 0;
  const serving = cluster.nodeIds.filter((id) => !refused.has(id));
  let digest: string | null = null;
  for (const id of serving) {
    const node = cluster.node(id);
    if (node === undefined) return `node ${id} is not up after the quiet phase`;
    if (node.health !== "serving") return `node ${id} is ${node.health}: ${node.failureReason()?.message ?? "no reason recorded"}`;
    const applied = node.stateMachine.appliedIndex;
    if (applied !== commit) return `node ${id} applied ${applied} but the leader committed ${commit}: not converged`;
    const nodeDigest = node.stateMachine.digest;
    if (digest !== null && nodeDigest !== digest) return `node ${id} has state digest ${nodeDigest}, others ${digest}, at index ${applied}`;
    digest = nodeDigest;
  }
  return null;
}
