import type { NodeId } from "../../src/raft/log-types";
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

  check(): void {
    this.checkElectionSafety();
    this.recordCommitted();
    this.checkLogMatching();
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

  private recordCommitted(): void {
    for (const n of this.net.nodes.values()) {
      const s = n.raft.status();
      for (const e of n.raft.entriesInMemory()) {
        if (e.index > s.commitIndex) break;
        const seen = this.committed.get(e.index);
        if (seen === undefined) this.committed.set(e.index, { entry: describeEntry(e), term: s.term });
        else if (seen.entry !== describeEntry(e)) {
          throw new Error(`committed entry changed at ${e.index}: ${seen.entry} vs ${describeEntry(e)} on ${n.id}`);
        }
      }
    }
  }

  private checkLogMatching(): void {
    const nodes = [...this.net.nodes.values()];
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const a = nodes[i]!.raft;
        const b = nodes[j]!.raft;
        const lo = Math.max(a.status().firstIndex, b.status().firstIndex);
        let hi = Math.min(a.status().lastIndex, b.status().lastIndex);
        while (hi >= lo && a.logTermAt(hi) !== b.logTermAt(hi)) hi--;
        const ea = new Map(a.entriesInMemory().map((e) => [e.index, describeEntry(e)]));
        const eb = new Map(b.entriesInMemory().map((e) => [e.index, describeEntry(e)]));
        for (let k = lo; k <= hi; k++) {
          if (ea.get(k) !== eb.get(k)) {
            throw new Error(`log matching: ${nodes[i]!.id} and ${nodes[j]!.id} agree on the term at ${hi} but differ at ${k}: ${ea.get(k)} vs ${eb.get(k)}`);
          }
        }
      }
    }
  }

  private checkLeaderCompleteness(): void {
    for (const n of this.net.nodes.values()) {
      const s = n.raft.status();
      if (s.role !== "leader") continue;
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
