import type { Entry, NodeId, NodeObserver, RaftLogView } from "@blixard/core";

/**
 * Raft's safety properties (Raft paper, Figure 3), checked incrementally at the
 * moment each change happens, so a violation stops the run at the event that
 * caused it:
 * - election safety: at most one leader per term;
 * - leader append-only: a leader never truncates its own log in its term;
 * - log matching: two logs holding an entry with the same index and term hold
 *   the same command there and the same term just before it (by induction,
 *   identical prefixes);
 * - leader completeness: a new leader holds every entry committed before it;
 * - state-machine safety: no two nodes apply different entries at one index,
 *   and nodes that applied the same prefix have the same state digest.
 */
export class RaftSafetyChecker implements NodeObserver {
  private readonly leaderByTerm = new Map<number, NodeId>();
  // Entries are kept as their fields (no key strings): these checks run on every persist and apply of every node.
  /** Entries seen in logs, by index; one record per (index, term), rarely more than one per index. */
  private readonly entriesByIndex = new Map<number, SeenEntry[]>();
  /**
   * First application of each index. `committedBy` bounds from above the term of the leader that
   * committed it: the highest leader term known when the entry was first applied (the committing
   * leader was registered before it could commit).
   */
  private readonly appliedByIndex = new Map<number, { entry: Entry; digest: string; node: NodeId; committedBy: number }>();
  private highestLeaderTerm = 0;
  private readonly leaderLastIndex = new Map<NodeId, { term: number; lastIndex: number }>();
  private violation: string | null = null;
  private highestCommittedIndex = 0;

  /** The first violation seen, or null. The simulator polls it after every event. */
  firstViolation(): string | null {
    return this.violation;
  }

  /** Highest index any node has applied. */
  highestAppliedIndex(): number {
    return this.highestCommittedIndex;
  }

  entriesPersisted(nodeId: NodeId, entries: readonly Entry[], log: RaftLogView): void {
    const first = entries[0];
    if (first === undefined) return;
    const lead = this.leaderLastIndex.get(nodeId);
    if (lead !== undefined && first.index <= lead.lastIndex && first.term === lead.term) {
      this.fail(`leader append-only: leader ${nodeId} of term ${lead.term} rewrote its log from index ${first.index} (its last index was ${lead.lastIndex})`);
    }
    for (const entry of entries) this.checkLogMatching(nodeId, entry, log.termAt(entry.index - 1));
    const last = entries[entries.length - 1];
    if (lead !== undefined && last !== undefined) lead.lastIndex = Math.max(lead.lastIndex, last.index);
  }

  snapshotInstalled(): void {
    // A snapshot holds only committed entries; state-machine safety covers it when applies resume.
  }

  entryApplied(nodeId: NodeId, entry: Entry, stateDigest: string): void {
    const seen = this.appliedByIndex.get(entry.index);
    if (seen === undefined) {
      const copy = { index: entry.index, term: entry.term, kind: entry.kind, data: entry.data };
      this.appliedByIndex.set(entry.index, { entry: copy, digest: stateDigest, node: nodeId, committedBy: this.highestLeaderTerm });
      if (entry.index > this.highestCommittedIndex) this.highestCommittedIndex = entry.index;
      return;
    }
    const first = seen.entry;
    if (first.term !== entry.term || first.kind !== entry.kind || first.data !== entry.data) {
      this.fail(`state-machine safety: at index ${entry.index} node ${seen.node} applied ${describe(first.term, first)} but node ${nodeId} applied ${describe(entry.term, entry)}`);
    } else if (seen.digest !== stateDigest) {
      this.fail(`state-machine determinism: after applying index ${entry.index} node ${seen.node} has state digest ${seen.digest} but node ${nodeId} has ${stateDigest}`);
    }
  }

  roleChanged(nodeId: NodeId, role: string, term: number, _leaderId: NodeId | null, log: RaftLogView): void {
    if (role !== "leader") {
      this.leaderLastIndex.delete(nodeId);
      return;
    }
    const other = this.leaderByTerm.get(term);
    if (other !== undefined && other !== nodeId) {
      this.fail(`election safety: both ${other} and ${nodeId} became leader of term ${term}`);
      return;
    }
    this.leaderByTerm.set(term, nodeId);
    if (term > this.highestLeaderTerm) this.highestLeaderTerm = term;
    this.checkLeaderCompleteness(nodeId, term, log);
    this.leaderLastIndex.set(nodeId, { term, lastIndex: log.lastIndex() });
  }

  private checkLogMatching(nodeId: NodeId, entry: Entry, prevTerm: number | undefined): void {
    let atIndex = this.entriesByIndex.get(entry.index);
    if (atIndex === undefined) {
      atIndex = [];
      this.entriesByIndex.set(entry.index, atIndex);
    }
    let seen: SeenEntry | undefined;
    for (const e of atIndex) if (e.term === entry.term) seen = e;
    if (seen === undefined) {
      atIndex.push({ term: entry.term, kind: entry.kind, data: entry.data, prevTerm, node: nodeId });
      return;
    }
    if (seen.kind !== entry.kind || seen.data !== entry.data) {
      this.fail(`log matching: entry ${entry.index}:${entry.term} holds ${describe(null, seen)} on ${seen.node} but ${describe(null, entry)} on ${nodeId}`);
    } else if (seen.prevTerm !== undefined && prevTerm !== undefined && seen.prevTerm !== prevTerm) {
      this.fail(`log matching: entry ${entry.index}:${entry.term} follows term ${seen.prevTerm} on ${seen.node} but term ${prevTerm} on ${nodeId}`);
    }
  }

  private checkLeaderCompleteness(nodeId: NodeId, term: number, log: RaftLogView): void {
    const firstIndex = log.firstIndex();
    for (const [index, applied] of this.appliedByIndex) {
      // Below the leader's first index the entry is compacted into its snapshot: committed by definition.
      if (index < firstIndex) continue;
      // The property binds leaders of later terms than the commit: a candidate of an older term may still
      // win late (its voters granted before moving on), and need not hold what a newer leader committed.
      if (term <= applied.committedBy) continue;
      const entryTerm = applied.entry.term;
      const held = log.termAt(index);
      if (held !== entryTerm) {
        this.fail(`leader completeness: ${nodeId} leads term ${term} but holds term ${held} at committed index ${index} (committed term ${entryTerm})`);
        return;
      }
    }
  }

  private fail(message: string): void {
    if (this.violation === null) this.violation = message;
  }
}

interface SeenEntry {
  readonly term: number;
  readonly kind: Entry["kind"];
  readonly data: string;
  readonly prevTerm: number | undefined;
  readonly node: NodeId;
}

/** An entry as a violation names it: "[term:]kind:data", clipped to 80 characters. */
function describe(term: number | null, entry: { readonly kind: string; readonly data: string }): string {
  const key = `${term === null ? "" : `${term}:`}${entry.kind}:${entry.data}`;
  return key.length > 80 ? `${key.slice(0, 77)}...` : key;
}
