import { describe, expect, it } from "vitest";
import { crc32 } from "../../src/storage/crc32";
import { encodeFrame, FRAME_HEADER_BYTES, readFrameAt } from "../../src/storage/framing";

describe("crc32 and framing", () => {
  it("crc32 matches the IEEE check value", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it("a frame reads back its payload and where the next frame starts", () => {
    const payload = new TextEncoder().encode('{"x":1}');
    const frame = encodeFrame(payload);
    expect(frame.length).toBe(FRAME_HEADER_BYTES + payload.length);
    const read = readFrameAt(frame, 0);
    expect(read).toEqual({ kind: "frame", payload, end: frame.length });
  });

  it("a cut frame is incomplete, a flipped bit anywhere is corrupt", () => {
    const frame = encodeFrame(new TextEncoder().encode("hello world"));
    expect(readFrameAt(frame.slice(0, 5), 0).kind).toBe("incomplete");
    expect(readFrameAt(frame.slice(0, frame.length - 1), 0).kind).toBe("incomplete");
    for (let byte = 0; byte < frame.length; byte++) {
      const rotted = frame.slice();
      rotted[byte] = (rotted[byte] as number) ^ 0x10;
      expect(readFrameAt(rotted, 0).kind, `flip in byte ${byte}`).toBe("corrupt");
    }
  });
});
