import { assert } from "../errors";
import type { Entry, Snapshot } from "./log-types";

/**
 * The in-memory Raft log: entries after the last snapshot (compaction point),
 * which of them are durable (stableIndex), committed and applied.
 *
 *   snapshotIndex < firstIndex ... stableIndex ... lastIndex
 *   applied <= committed <= lastIndex
 */
export class RaftLog {
  snapshotIndex: number;
  snapshotTerm: number;
  /** The latest snapshot, kept to send to followers that fell behind the compaction point. */
  snapshot: Snapshot | null;
  /** A snapshot received from the leader that the driver has not persisted yet. */
  pendingSnapshot: Snapshot | null = null;
  private entries: Entry[];
  stableIndex: number;
  committed: number;
  applied: number;

  constructor(snapshot: Snapshot | null, entries: readonly Entry[], commit: number, applied: number | undefined) {
    this.snapshot = snapshot;
    this.snapshotIndex = snapshot?.meta.index ?? 0;
    this.snapshotTerm = snapshot?.meta.term ?? 0;
    entries.forEach((e, i) => {
      assert(e.index === this.snapshotIndex + 1 + i, "initial log is contiguous after the snapshot", () => `entry ${i} has index ${e.index}`);
    });
    this.entries = [...entries];
    this.stableIndex = this.lastIndex();
    assert(commit <= this.lastIndex(), "persisted commit index is within the log", () => `commit ${commit} > last ${this.lastIndex()}`);
    this.committed = Math.max(commit, this.snapshotIndex);
    this.applied = Math.min(Math.max(applied ?? this.snapshotIndex, this.snapshotIndex), this.committed);
  }

  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** Term of the entry at `index`; undefined if compacted away or past the end. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshotIndex - 1]?.term;
  }

  entryAt(index: number): Entry | undefined {
    if (index <= this.snapshotIndex) return undefined;
    return this.entries[index - this.snapshotIndex - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: a candidate's log is at least as up to date as ours: last term first, then index. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Leader append: entries must continue the log. */
  append(entries: readonly Entry[]): void {
    for (const e of entries) {
      assert(e.index === this.lastIndex() + 1, "appended entries continue the log", () => `index ${e.index} after ${this.lastIndex()}`);
      this.entries.push(e);
    }
  }

  /**
   * Follower append (AppendEntries receiver): if our log holds (prevIndex,
   * prevTerm), drop any conflicting suffix and add the new entries. Returns the
   * index of the last entry the leader sent, or why it refused.
   */
  maybeAppend(
    prevIndex: number,
    prevTerm: number,
    entries: readonly Entry[],
  ): { lastNewIndex: number; truncated: boolean } | "mismatch" | "conflicts-with-committed" {
    if (!this.matchTerm(prevIndex, prevTerm)) return "mismatch";
    const lastNewIndex = prevIndex + entries.length;
    const conflict = entries.find((e) => e.index > this.snapshotIndex && !this.matchTerm(e.index, e.term));
    if (conflict === undefined) return { lastNewIndex, truncated: false };
    // Only a faulty or forged leader asks this; refuse rather than lose committed data.
    if (conflict.index <= this.committed) return "conflicts-with-committed";
    const truncated = conflict.index <= this.lastIndex();
    this.entries.length = conflict.index - this.snapshotIndex - 1;
    this.stableIndex = Math.min(this.stableIndex, conflict.index - 1);
    this.append(entries.slice(conflict.index - prevIndex - 1));
    return { lastNewIndex, truncated };
  }

  /**
   * Fast backtracking: the largest index <= `index` whose term is <= `term`,
   * with its term. Entries after it cannot match an entry of term `term`.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (; i > 0; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  /** Entries [lo, ...] bounded by count and summed data length; at least one if any exist. */
  slice(lo: number, maxEntries: number, maxBytes: number): Entry[] {
    assert(lo > this.snapshotIndex, "slice starts after the compaction point", () => `lo ${lo}, snapshot ${this.snapshotIndex}`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i <= this.lastIndex() && out.length < maxEntries; i++) {
      const e = this.entries[i - this.snapshotIndex - 1] as Entry;
      if (out.length > 0 && bytes + e.data.length > maxBytes) break;
      bytes += e.data.length;
      out.push(e);
    }
    return out;
  }

  unstableEntries(): Entry[] {
    return this.entries.slice(this.stableIndex - this.snapshotIndex);
  }

  /** The driver persisted entries up to (index, term); ignore if that entry was since replaced. */
  stableTo(index: number, term: number): void {
    if (index > this.stableIndex && this.matchTerm(index, term)) this.stableIndex = index;
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    assert(index <= this.lastIndex(), "commit index within the log", () => `commit ${index} > last ${this.lastIndex()}`);
    this.committed = index;
    return true;
  }

  /** Committed entries not yet handed to the state machine, at most `max`. */
  nextCommittedEntries(max: number): Entry[] {
    const lo = Math.max(this.applied, this.snapshotIndex) + 1;
    const hi = Math.min(this.committed, lo + max - 1);
    if (hi < lo) return [];
    return this.entries.slice(lo - this.snapshotIndex - 1, hi - this.snapshotIndex);
  }

  appliedTo(index: number): void {
    if (index > this.applied) {
      assert(index <= this.committed, "applied never passes committed", () => `applied ${index} > committed ${this.committed}`);
      this.applied = index;
    }
  }

  /**
   * The app snapshotted its applied state at snapshot.meta.index: keep the
   * snapshot (for followers behind the log) and drop the entries up to
   * `keepAfterIndex` (at most the snapshot index; by default all it covers).
   * Entries kept below the snapshot let a follower that is only slightly
   * behind catch up from the log instead of receiving the whole snapshot.
   * `snapshotIndex`/`snapshotTerm` name the log's base, which then lies
   * below the snapshot's own index.
   */
  compact(snapshot: Snapshot, keepAfterIndex: number = snapshot.meta.index): void {
    const index = snapshot.meta.index;
    assert(index > (this.snapshot?.meta.index ?? 0) && index <= this.applied, "compaction point is applied and new", () => `index ${index}`);
    const base = Math.min(index, Math.max(keepAfterIndex, this.snapshotIndex));
    const baseTerm = base === index ? snapshot.meta.term : this.term(base);
    assert(baseTerm !== undefined, "the new log base is in the log", () => `base ${base}`);
    this.entries = this.entries.slice(base - this.snapshotIndex);
    this.snapshotIndex = base;
    this.snapshotTerm = baseTerm;
    this.snapshot = snapshot;
  }

  /** Replace the whole log by a snapshot received from the leader. */
  restore(snapshot: Snapshot): void {
    this.entries = [];
    this.snapshot = snapshot;
    this.pendingSnapshot = snapshot;
    this.snapshotIndex = snapshot.meta.index;
    this.snapshotTerm = snapshot.meta.term;
    this.stableIndex = snapshot.meta.index;
    this.committed = snapshot.meta.index;
    this.applied = snapshot.meta.index;
  }

  /** All in-memory entries (for checkers). */
  all(): readonly Entry[] {
    return this.entries;
  }
}
