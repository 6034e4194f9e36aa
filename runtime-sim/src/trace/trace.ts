import { RollingDigest, type TraceFields } from "@blixard/core";
import type { VirtualUs } from "../world/time";
import type { TraceDetail } from "./message-detail";

/** One trace record. `detail` is a compact deterministic rendering of the payload ("k=v ..."). */
export interface TraceEvent {
  readonly atUs: VirtualUs;
  /** Node or client id, or "world". */
  readonly node: string;
  readonly kind: string;
  readonly detail: string;
}

export type TraceSink = (event: TraceEvent) => void;

export interface TraceOptions {
  /** How many recent records to keep for failure reports. */
  readonly ringSize?: number;
  /** Receives every record (e.g. a JSON-lines file writer). */
  readonly sink?: TraceSink;
}

export const DEFAULT_TRACE_RING_SIZE = 64;

/**
 * The run's trace: a ring buffer of recent records plus a running 64-bit hash
 * over every record (core's RollingDigest). Same seed ⇒ same records ⇒ same hash, so the hash is the
 * determinism check. Nothing wall-clock or identity-based may enter a record.
 */
export class Trace {
  // The ring is four parallel arrays rather than an object per record: a run
  // writes millions of records and reads the ring only when it fails.
  private readonly ringAtUs: VirtualUs[];
  private readonly ringNode: string[];
  private readonly ringKind: string[];
  private readonly ringDetail: TraceDetail[];
  private readonly ringSize: number;
  private ringNext = 0;
  private readonly hash = new RollingDigest();
  private finalHex: string | null = null;
  private readonly sink: TraceSink | undefined;
  private recorded = 0;

  constructor(options: TraceOptions = {}) {
    const size = options.ringSize ?? DEFAULT_TRACE_RING_SIZE;
    if (!Number.isSafeInteger(size) || size < 1 || size > 1_000_000) {
      throw new RangeError(`trace ring size must be an integer in [1, 1000000], got ${size}`);
    }
    this.ringSize = size;
    this.ringAtUs = new Array<VirtualUs>(size).fill(0);
    this.ringNode = new Array<string>(size).fill("");
    this.ringKind = new Array<string>(size).fill("");
    this.ringDetail = new Array<TraceDetail>(size).fill("");
    this.sink = options.sink;
  }

  get count(): number {
    return this.recorded;
  }

  record(atUs: VirtualUs, node: string, kind: string, detail: TraceDetail): void {
    if (this.finalHex !== null) throw new Error("trace already finalised; no records may be added after digestHex()");
    const slot = this.ringNext;
    this.ringAtUs[slot] = atUs;
    this.ringNode[slot] = node;
    this.ringKind[slot] = kind;
    this.ringDetail[slot] = detail;
    this.ringNext = slot + 1 === this.ringSize ? 0 : slot + 1;
    this.recorded++;
    // Field by field, with separators: the same records in the same order give the same hash.
    const hash = this.hash;
    hash.addInteger(atUs);
    hash.addString(node);
    hash.addUnit(0x20);
    hash.addString(kind);
    hash.addUnit(0x20);
    if (typeof detail === "string") hash.addString(detail);
    else detail.hashInto(hash);
    hash.addUnit(0x0a);
    if (this.sink !== undefined) this.sink({ atUs, node, kind, detail: String(detail) });
  }

  /** The most recent records, oldest first (at most `limit`). */
  tail(limit = this.ringSize): TraceEvent[] {
    const out: TraceEvent[] = [];
    const size = this.ringSize;
    const held = Math.min(this.recorded, size);
    for (let i = size - held; i < size; i++) {
      const slot = (this.ringNext + i) % size;
      out.push({ atUs: this.ringAtUs[slot]!, node: this.ringNode[slot]!, kind: this.ringKind[slot]!, detail: String(this.ringDetail[slot]!) });
    }
    return out.slice(Math.max(0, out.length - limit));
  }

  /** Final hash of all records, 16 hex digits. Ends recording. */
  digestHex(): string {
    if (this.finalHex === null) this.finalHex = this.hash.hex();
    return this.finalHex;
  }
}

/** Deterministic "k=v k=v" rendering of tracer fields, keys sorted. */
export function renderFields(fields: TraceFields | undefined): string {
  if (fields === undefined) return "";
  const keys = Object.keys(fields).sort();
  let out = "";
  for (const key of keys) {
    const value = fields[key];
    if (value === undefined) continue;
    out += `${out.length > 0 ? " " : ""}${key}=${typeof value === "string" ? JSON.stringify(value) : String(value)}`;
  }
  return out;
}

export function formatTraceEvent(event: TraceEvent): string {
  return `${event.atUs} ${event.node} ${event.kind} ${event.detail}`;
}
