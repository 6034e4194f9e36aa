import { hex32, type RollingDigest } from "@blixard/core";

/**
 * The trace detail of one network message, kept as fields: every message is
 * traced when sent and again when delivered, and building its text
 * ("#12 n1->n2 55b:1a2b3c4d") each time cost more than the rest of the
 * simulated network. The hash takes the fields directly; the text is written
 * only when a failure report or a trace file asks for it.
 */
export class MessageDetail {
  constructor(
    readonly id: number,
    readonly from: string,
    readonly to: string,
    readonly bytes: number,
    readonly digest: number,
    /** The Byzantine action that produced this copy, if any. */
    readonly byzantine: string | null,
    /** The network's duplicate of an earlier copy. */
    readonly duplicate: boolean,
  ) {}

  asDuplicate(): MessageDetail {
    return new MessageDetail(this.id, this.from, this.to, this.bytes, this.digest, this.byzantine, true);
  }

  hashInto(hash: RollingDigest): void {
    hash.addInteger(this.id);
    hash.addUnit(this.from.length);
    hash.addString(this.from);
    hash.addUnit(this.to.length);
    hash.addString(this.to);
    hash.addInteger(this.bytes);
    hash.addInteger(this.digest);
    hash.addUnit(this.duplicate ? 1 : 0);
    if (this.byzantine !== null) hash.addString(this.byzantine);
  }

  toString(): string {
    const byzantine = this.byzantine === null ? "" : ` byz=${this.byzantine}`;
    return `#${this.id} ${this.from}->${this.to} ${this.bytes}b:${hex32(this.digest)}${byzantine}${this.duplicate ? " dup" : ""}`;
  }
}

/** The trace detail of one disk write ("file=raft-wal-… 72b:1a2b3c4d"), kept as fields like MessageDetail: every persist writes one. */
export class WriteDetail {
  constructor(
    readonly file: string,
    readonly bytes: number,
    readonly digest: number,
  ) {}

  hashInto(hash: RollingDigest): void {
    hash.addUnit(this.file.length);
    hash.addString(this.file);
    hash.addInteger(this.bytes);
    hash.addInteger(this.digest);
  }

  toString(): string {
    return `file=${this.file} ${this.bytes}b:${hex32(this.digest)}`;
  }
}

/** A trace record's detail: text, or fields rendered on demand. */
export type TraceDetail = string | MessageDetail | WriteDetail;
