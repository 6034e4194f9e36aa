import { ByteReader, ByteWriter, Malformed } from "../codec/bytes";
import { ENTRY_KINDS, type HardState } from "../raft/log-types";
import { FRAME_HEADER_BYTES, sealFrame } from "./framing";
import type { LogRecord } from "./records";

/**
 * Binary payloads for the two records written on every persist: log records
 * and the hard state. JSON cost a few µs and three allocations per record;
 * these are written straight into the frame. The first payload byte tells the
 * layouts apart from the JSON records older data directories hold ('{'), which
 * records.ts still reads.
 *
 * Log record: tag 0xB2, type (0 entry, 1 truncate, 2 restart), end (0/1), then
 * entry: index, term (float64), kind (u8), data (u32 length + UTF-8);
 * truncate: fromIndex; restart: snapshotIndex, snapshotTerm.
 * Hard state: tag 0xB3, term, commit (float64), vote flag (u8), votedFor (u16 length + UTF-8).
 */
export const LOG_RECORD_TAG = 0xb2;
export const HARD_STATE_TAG = 0xb3;

const RECORD_TYPES: readonly LogRecord["type"][] = ["entry", "truncate", "restart"];
const scratch = new ByteWriter();

/** The whole frame (header and payload) for one log record. */
export function encodeLogRecordFrame(record: LogRecord): Uint8Array {
  const w = scratch;
  w.begin(FRAME_HEADER_BYTES);
  w.u8(LOG_RECORD_TAG);
  w.u8(RECORD_TYPES.indexOf(record.type));
  w.u8(record.end ? 1 : 0);
  if (record.type === "entry") {
    w.num(record.entry.index);
    w.num(record.entry.term);
    w.u8(ENTRY_KINDS.indexOf(record.entry.kind));
    w.string(record.entry.data, 4);
  } else if (record.type === "truncate") {
    w.num(record.fromIndex);
  } else {
    w.num(record.snapshotIndex);
    w.num(record.snapshotTerm);
  }
  return sealFrame(w.bytes, w.at);
}

export function encodeHardStateFrame(hardState: HardState): Uint8Array {
  const w = scratch;
  w.begin(FRAME_HEADER_BYTES);
  w.u8(HARD_STATE_TAG);
  w.num(hardState.term);
  w.num(hardState.commit);
  if (hardState.votedFor === null) w.u8(0);
  else {
    w.u8(1);
    w.string(hardState.votedFor, 2);
  }
  return sealFrame(w.bytes, w.at);
}

/** Shapes only: the caller (records.ts) checks ranges. Returns a problem string on bad bytes. */
export function decodeBinaryLogRecord(payload: Uint8Array): { readonly fields: Record<string, unknown> } | { readonly problem: string } {
  return decoding(payload, (r) => {
    const type = RECORD_TYPES[r.u8("record type")];
    if (type === undefined) throw new Malformed("has an unknown record type");
    const end = r.bool("end");
    if (type === "entry") {
      const index = r.num("index");
      const term = r.num("term");
      const kind = ENTRY_KINDS[r.u8("kind")] ?? "unknown";
      return { type, end, index, term, kind, data: r.string(4, "data") };
    }
    if (type === "truncate") return { type, end, fromIndex: r.num("fromIndex") };
    return { type, end, snapshotIndex: r.num("snapshotIndex"), snapshotTerm: r.num("snapshotTerm") };
  });
}

export function decodeBinaryHardState(payload: Uint8Array): { readonly fields: Record<string, unknown> } | { readonly problem: string } {
  return decoding(payload, (r) => {
    const term = r.num("term");
    const commit = r.num("commit");
    const votedFor = r.bool("vote flag") ? r.string(2, "votedFor") : null;
    return { term, commit, votedFor };
  });
}

function decoding(payload: Uint8Array, read: (r: ByteReader) => Record<string, unknown>): { readonly fields: Record<string, unknown> } | { readonly problem: string } {
  try {
    const r = new ByteReader(payload, 1);
    const fields = read(r);
    if (r.remaining !== 0) return { problem: `binary record has ${r.remaining} bytes after its last field` };
    return { fields };
  } catch (e) {
    if (e instanceof Malformed) return { problem: `binary record ${e.message}` };
    throw e;
  }
}
