import { readU32 } from "./byte-slab";

/**
 * Big-endian byte layouts shared by the binary codecs (Raft wire messages,
 * storage records). Numbers are float64: every integer Blixard stores is a
 * safe integer, exact in a float64. Strings are UTF-8 behind a u16 or u32
 * byte length.
 */
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
/** Up to this many bytes a string reads faster by `+=` per byte than through TextDecoder (measured on Node 20). */
const shortReadBytes = 12;
/** Up to this many characters a string writes faster by a byte loop than through encodeInto (measured on Node 20). */
const shortWriteChars = 24;

/**
 * A growable buffer meant to be kept as a codec's scratch space and reset for
 * every encode (core is single threaded and an encode never yields), so an
 * encoded value costs one exact-size allocation: the copy handed out at the
 * end. Allocating typed arrays is what dominated encoding before.
 */
export class ByteWriter {
  bytes = new Uint8Array(4096);
  view = new DataView(this.bytes.buffer);
  at = 0;

  /** Start a new encode, leaving `headerBytes` bytes of room in front (for a frame header written last). */
  begin(headerBytes: number): void {
    this.at = 0;
    this.reserve(headerBytes);
    this.at = headerBytes;
  }

  reserve(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.at + n));
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.bytes[this.at++] = v;
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.at, v);
    this.at += 4;
  }

  num(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.at, v);
    this.at += 8;
  }

  /** UTF-8 with no length prefix (a JSON body that runs to the end of its frame). */
  utf8(s: string): void {
    this.reserve(s.length * 3);
    this.at += utf8Encoder.encodeInto(s, this.bytes.subarray(this.at)).written;
  }

  /** UTF-8 with a length prefix of `prefixBytes` (2 or 4), patched in once the length is known. */
  string(s: string, prefixBytes: 2 | 4): void {
    this.reserve(prefixBytes + s.length * 3);
    const start = this.at + prefixBytes;
    let at = start;
    const bytes = this.bytes;
    // A byte loop beats encodeInto's call only for short text (ids, keys).
    if (s.length > shortWriteChars) {
      at += utf8Encoder.encodeInto(s, bytes.subarray(start)).written;
    } else {
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          at = start + utf8Encoder.encodeInto(s, bytes.subarray(start)).written;
          break;
        }
        bytes[at++] = c;
      }
    }
    const length = at - start;
    if (prefixBytes === 2 && length > 0xffff) throw new RangeError(`string of ${length} bytes does not fit a u16 length prefix`);
    if (prefixBytes === 2) this.view.setUint16(this.at, length);
    else this.view.setUint32(this.at, length);
    this.at = at;
  }
}

/** Thrown by ByteReader on bytes that do not fit the layout; decoders turn it into an error value. */
export class Malformed {
  constructor(readonly message: string) {}
}

// Reads assemble numbers from bytes by hand: a DataView per decoded message was a measurable cost.
const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);
const platformLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class ByteReader {
  at: number;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
  ) {
    this.at = start;
  }

  need(n: number, what: string): void {
    if (this.at + n > this.bytes.length) throw new Malformed(`ends inside ${what} at byte ${this.at}`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.at++]!;
  }

  /** A big-endian float64. */
  num(what: string): number {
    this.need(8, what);
    const b = this.bytes;
    const at = this.at;
    if (platformLittleEndian) for (let k = 0; k < 8; k++) float64Bytes[k] = b[at + 7 - k]!;
    else for (let k = 0; k < 8; k++) float64Bytes[k] = b[at + k]!;
    this.at = at + 8;
    return float64[0]!;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = readU32(this.bytes, this.at);
    this.at += 4;
    return v;
  }


  bool(what: string): boolean {
    const v = this.u8(what);
    if (v > 1) throw new Malformed(`'${what}' must be 0 or 1, got ${v}`);
    return v === 1;
  }

  string(prefixBytes: 2 | 4, what: string): string {
    this.need(prefixBytes, what);
    const length = prefixBytes === 2 ? (this.bytes[this.at]! << 8) | this.bytes[this.at + 1]! : readU32(this.bytes, this.at);
    this.at += prefixBytes;
    this.need(length, what);
    const start = this.at;
    this.at += length;
    const bytes = this.bytes;
    // Concatenating is cheaper than TextDecoder only for short text (ids, keys): past about
    // 12 bytes each `+=` allocates another intermediate string, and entry data is ~45.
    if (length <= shortReadBytes) {
      let ascii = "";
      for (let i = start; i < start + length; i++) {
        const c = bytes[i]!;
        if (c >= 0x80) return this.utf8(start, length, what);
        ascii += String.fromCharCode(c);
      }
      return ascii;
    }
    return this.utf8(start, length, what);
  }

  private utf8(start: number, length: number, what: string): string {
    try {
      return utf8Decoder.decode(this.bytes.subarray(start, start + length));
    } catch {
      throw new Malformed(`'${what}' is not valid UTF-8`);
    }
  }

  get remaining(): number {
    return this.bytes.length - this.at;
  }
}

