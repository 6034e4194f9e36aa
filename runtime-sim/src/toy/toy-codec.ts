import { blixardError, crc32, err, ok, type Result } from "@blixard/core";

/**
 * Wire and disk formats of the toy replicated counter.
 * Disk: fixed 8-byte records [u32 own count][u32 crc32 of the first 4 bytes].
 * Wire: [u32 crc32 of body][UTF-8 JSON {from, counts}]; counts maps node → count.
 */
export const RECORD_BYTES = 8;
export const MAX_GOSSIP_BYTES = 16 * 1024;
const MAX_COUNT = 0xffffffff;
const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

export function encodeRecord(count: number): Uint8Array {
  const bytes = new Uint8Array(RECORD_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, count >>> 0);
  view.setUint32(4, crc32(bytes, 0, 4));
  return bytes;
}

export interface RecoveredLog {
  /** Last valid count, 0 when the log is empty. */
  readonly count: number;
  readonly records: number;
  /** A trailing partial record (torn write): dropped, not an error. */
  readonly tornTail: boolean;
  /** A complete record failed its checksum: bit rot. Recovery stops before it. */
  readonly corrupt: boolean;
}

export function recoverLog(bytes: Uint8Array | undefined): RecoveredLog {
  if (bytes === undefined) return { count: 0, records: 0, tornTail: false, corrupt: false };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const whole = Math.floor(bytes.length / RECORD_BYTES);
  let count = 0;
  for (let i = 0; i < whole; i++) {
    const offset = i * RECORD_BYTES;
    if (view.getUint32(offset + 4) !== crc32(bytes, offset, offset + 4)) {
      return { count, records: i, tornTail: false, corrupt: true };
    }
    count = Math.max(count, view.getUint32(offset));
  }
  return { count, records: whole, tornTail: bytes.length % RECORD_BYTES !== 0, corrupt: false };
}

export interface Gossip {
  readonly from: string;
  readonly counts: Readonly<Record<string, number>>;
}

export function encodeGossip(gossip: Gossip): Uint8Array {
  const body = utf8Encoder.encode(JSON.stringify(gossip));
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, crc32(body));
  out.set(body, 4);
  return out;
}

/** Decode untrusted bytes: checksum, shape, bounds, and that the claimed sender is the transport sender. */
export function decodeGossip(transportFrom: string, bytes: Uint8Array): Result<Gossip> {
  if (bytes.length < 5 || bytes.length > MAX_GOSSIP_BYTES) return err(blixardError("bad-size", `gossip of ${bytes.length} bytes from ${transportFrom}`));
  const body = bytes.subarray(4);
  if (new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0) !== crc32(body)) {
    return err(blixardError("bad-checksum", `gossip from ${transportFrom} failed its crc32`));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(body));
  } catch {
    return err(blixardError("bad-encoding", `gossip from ${transportFrom} is not UTF-8 JSON`));
  }
  if (typeof parsed !== "object" || parsed === null) return err(blixardError("bad-shape", `gossip from ${transportFrom} is not an object`));
  const { from, counts } = parsed as { from?: unknown; counts?: unknown };
  if (from !== transportFrom) return err(blixardError("forged-sender", `gossip claims sender ${String(from)} but came from ${transportFrom}`));
  if (typeof counts !== "object" || counts === null || Array.isArray(counts)) return err(blixardError("bad-shape", `gossip from ${transportFrom} has no counts`));
  const clean: Record<string, number> = {};
  for (const [node, value] of Object.entries(counts)) {
    if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > MAX_COUNT) {
      return err(blixardError("bad-count", `gossip from ${transportFrom} has count ${String(value)} for ${node}`));
    }
    clean[node] = value as number;
  }
  return ok({ from, counts: clean });
}
