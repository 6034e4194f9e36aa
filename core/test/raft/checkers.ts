import type { Entry, NodeId } from "../../src/raft/log-types";
import { describeEntry, type Network } from "./network";

/**
 * Raft's safety properties (Figure 3), checked across all nodes of a Network:
 * election safety, log matching, leader completeness, state-machine safety.
 * Throws with a precise description on the first violation.
 */
export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** index → entry, and the highest term seen by a node at the time it was seen committed. */
  private readonly committed = new Map<number, { entry: string; term: number }>();
  private readonly appliedAt = new Map<number, string>();

  constructor(private readonly net: Network) {
    net.onApply = (node, index, value) => this.onApply(node, index, value);
  }

  private onApply(node: NodeId, index: number, value: string): void {
    const seen = this.appliedAt.get(index);
    if (seen === undefined) this.appliedAt.set(index, value);
    else if (seen !== value) throw new Error(`state-machine safety: ${node} applied ${value} at ${index}, another node applied ${seen}`);
  }

  private checks = 0;

  /** Cheap checks every call; every `fullEvery` calls, re-verify whole logs rather than only their new parts. */
  check(fullEvery = 20): void {
    const full = this.checks++ % fullEvery === 0;
    this.checkElectionSafety();
    this.recordCommitted(full);
    this.checkLogMatching(full);
    if (full) this.completenessChecked.clear();
    this.checkLeaderCompleteness();
  }

  private checkElectionSafety(): void {
    for (const n of this.net.nodes.values()) {
      const s = n.raft.status();
      if (s.role !== "leader") continue;
      const other = this.leaderOfTerm.get(s.term);
      if (other !== undefined && other !== n.id) throw new Error(`election safety: ${other} and ${n.id} both led term ${s.term}`);
      this.leaderOfTerm.set(s.term, n.id);
    }
  }

  /** Per node: committed entries up to here were already compared with the global record. */
  private readonly verifiedUpTo = new Map<NodeId, number>();

  private recordCommitted(full: boolean): void {
    for (const n of this.net.nodes.values()) {
      const s = n.raft.status();
      const from = full ? 0 : (this.verifiedUpTo.get(n.id) ?? 0);
      this.verifiedUpTo.set(n.id, s.commitIndex);
      for (const e of n.raft.entriesInMemory()) {
        if (e.index <= from) continue;
        if (e.index > s.commitIndex) break;
        const seen = this.committed.get(e.index);
        if (seen === undefined) this.committed.set(e.index, { entry: describeEntry(e), term: s.term });
        else if (seen.entry !== describeEntry(e)) {
          throw new Error(`committed entry changed at ${e.index}: ${seen.entry} vs ${describeEntry(e)} on ${n.id}`);
        }
      }
    }
  }

  private checkLogMatching(full: boolean): void {
    const nodes = [...this.net.nodes.values()];
    const logs = nodes.map((n) => n.raft.entriesInMemory());
    const statuses = nodes.map((n) => n.raft.status());
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const a = nodes[i]!.raft;
        const b = nodes[j]!.raft;
        const sa = statuses[i]!;
        const sb = statuses[j]!;
        // Below both commit indexes, entries were already compared with the global committed record.
        const lo = Math.max(sa.firstIndex, sb.firstIndex, full ? 0 : Math.min(sa.commitIndex, sb.commitIndex) + 1);
        let hi = Math.min(sa.lastIndex, sb.lastIndex);
        while (hi >= lo && a.logTermAt(hi) !== b.logTermAt(hi)) hi--;
        const at = (log: readonly Entry[], first: number, k: number) => {
          const e = log[k - first];
          return e === undefined ? undefined : describeEntry(e);
        };
        for (let k = lo; k <= hi; k++) {
          const ea = at(logs[i]!, sa.firstIndex, k);
          const eb = at(logs[j]!, sb.firstIndex, k);
          if (ea !== eb) {
            throw new Error(`log matching: ${nodes[i]!.id} and ${nodes[j]!.id} agree on the term at ${hi} but differ at ${k}: ${ea} vs ${eb}`);
          }
        }
      }
    }
  }

  /** A leader never drops entries while it leads a term, so one check per (leader, term) suffices. */
  private readonly completenessChecked = new Set<string>();

  private checkLeaderCompleteness(): void {
    for (const n of this.net.nodes.values()) {
      const s = n.raft.status();
      if (s.role !== "leader" || this.completenessChecked.has(`${n.id}@${s.term}`)) continue;
      this.completenessChecked.add(`${n.id}@${s.term}`);
      const mine = new Map(n.raft.entriesInMemory().map((e) => [e.index, describeEntry(e)]));
      for (const [index, c] of this.committed) {
        if (c.term >= s.term || index < s.firstIndex) continue;
        if (mine.get(index) !== c.entry) {
          throw new Error(`leader completeness: leader ${n.id} of term ${s.term} lacks committed entry ${index} (${c.entry}), has ${mine.get(index)}`);
        }
      }
    }
  }
}
