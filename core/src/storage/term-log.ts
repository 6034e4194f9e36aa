import { assert } from "../errors";

/**
 * The terms of the live entries (snapshotIndex + 1 .. lastIndex): all the store
 * needs to validate a persist (contiguity, monotone terms, snapshot match)
 * without keeping entry payloads, which the Raft core already holds.
 */
export class TermLog {
  private terms: number[];

  constructor(
    private snapshotIndex: number,
    private snapshotTerm: number,
    terms: number[] = [],
  ) {
    this.terms = terms;
  }

  get firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  get lastIndex(): number {
    return this.snapshotIndex + this.terms.length;
  }

  get baseIndex(): number {
    return this.snapshotIndex;
  }

  get entryCount(): number {
    return this.terms.length;
  }

  /** Term at `index`, including the snapshot's own; undefined outside [snapshotIndex, lastIndex]. */
  termAt(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex) return undefined;
    return this.terms[index - this.snapshotIndex - 1];
  }

  /** Drops entries >= fromIndex (fromIndex > snapshotIndex). */
  truncateFrom(fromIndex: number): void {
    assert(fromIndex > this.snapshotIndex, "storage-truncate-above-snapshot", () => `from ${fromIndex}, snapshot ${this.snapshotIndex}`);
    this.terms.length = Math.min(this.terms.length, fromIndex - this.snapshotIndex - 1);
  }

  append(index: number, term: number): void {
    assert(index === this.lastIndex + 1, "storage-append-contiguous", () => `index ${index} after ${this.lastIndex}`);
    this.terms.push(term);
  }

  /** A snapshot at `index`: keep the entries after it if `keepSuffix`, else start an empty log after it. */
  rebase(index: number, term: number, keepSuffix: boolean): void {
    const suffix = keepSuffix ? this.terms.slice(Math.max(0, index - this.snapshotIndex)) : [];
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    this.terms = suffix;
  }
}
