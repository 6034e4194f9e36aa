import { allocBytes, copyBytes } from "../codec/byte-slab";
import { crc32 } from "./crc32";

/**
 * Every stored record is one frame:
 *
 *   [u32 LE payload length][u32 LE crc32(payload)][u32 LE crc32(first 8 header bytes)][payload]
 *
 * The third word (a checksum of the header itself) is what lets recovery tell a
 * torn tail from rot: with only a payload checksum, a flipped bit in a length
 * field can make a synced record claim more bytes than the file holds, which
 * looks exactly like a never-synced torn write and would silently drop
 * acknowledged entries. With a verified header, "the payload runs past the end
 * of the file" can only mean the write itself was cut short.
 */
export const FRAME_HEADER_BYTES = 12;

export function encodeFrame(payload: Uint8Array): Uint8Array {
  const frame = allocBytes(FRAME_HEADER_BYTES + payload.length);
  frame.set(payload, FRAME_HEADER_BYTES);
  writeHeader(frame, payload.length, crc32(payload));
  return frame;
}

/**
 * Frames a payload already written at `buffer[FRAME_HEADER_BYTES, end)` (the
 * header bytes are scratch): copies it out once and fills in the header.
 */
export function sealFrame(buffer: Uint8Array, end: number): Uint8Array {
  const frame = copyBytes(buffer, 0, end);
  writeHeader(frame, end - FRAME_HEADER_BYTES, crc32(frame, FRAME_HEADER_BYTES, end));
  return frame;
}

function writeHeader(frame: Uint8Array, payloadBytes: number, payloadCrc: number): void {
  writeU32LE(frame, 0, payloadBytes);
  writeU32LE(frame, 4, payloadCrc);
  writeU32LE(frame, 8, crc32(frame, 0, 8));
}

function writeU32LE(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = value >>> 24;
}

/** Joins frames (or any byte chunks) into one buffer, for a single disk append. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  const out = allocBytes(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

export type FrameRead =
  /** A whole, checksum-verified frame; the next one starts at `end`. */
  | { readonly kind: "frame"; readonly payload: Uint8Array; readonly end: number }
  /** The file ends inside this frame: a torn write if this is the log's tail. */
  | { readonly kind: "incomplete"; readonly problem: string }
  /** Checksums disagree: the bytes rotted or were overwritten. */
  | { readonly kind: "corrupt"; readonly problem: string };

/** Reads the frame starting at `offset` of `bytes` (which must be < bytes.length). */
export function readFrameAt(bytes: Uint8Array, offset: number): FrameRead {
  const available = bytes.length - offset;
  if (available < FRAME_HEADER_BYTES) {
    return { kind: "incomplete", problem: `only ${available} of the ${FRAME_HEADER_BYTES} header bytes are present` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_HEADER_BYTES);
  const storedHeaderCrc = view.getUint32(8, true);
  const headerCrc = crc32(bytes, offset, offset + 8);
  if (storedHeaderCrc !== headerCrc) {
    return { kind: "corrupt", problem: `header checksum mismatch (stored ${hex(storedHeaderCrc)}, computed ${hex(headerCrc)})` };
  }
  const payloadBytes = view.getUint32(0, true);
  const start = offset + FRAME_HEADER_BYTES;
  const end = start + payloadBytes;
  if (end > bytes.length) {
    return { kind: "incomplete", problem: `header claims ${payloadBytes} payload bytes but only ${bytes.length - start} are present` };
  }
  const storedPayloadCrc = view.getUint32(4, true);
  const payloadCrc = crc32(bytes, start, end);
  if (storedPayloadCrc !== payloadCrc) {
    return { kind: "corrupt", problem: `payload checksum mismatch (stored ${hex(storedPayloadCrc)}, computed ${hex(payloadCrc)})` };
  }
  return { kind: "frame", payload: bytes.subarray(start, end), end };
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}
