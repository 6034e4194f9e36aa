import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { binaryRaftTag, decodeRaftBinary } from "../../src/protocol/raft-binary";
import { decodeRaftFrame, decodeWire, encodeWire, frameWireBody, isRaftFrame, wireChecksumBytes } from "../../src/protocol/wire";
import { parseDecodedRaftMessage, parseFreshRaftMessage } from "../../src/raft/message-validate";
import type { RaftMessage } from "../../src/raft/messages";
import { arbitraryMessage } from "../raft/arbitraries";

const ids = ["n1", "n2", "n3", "nøde-ü"];
const bodyOf = (frame: Uint8Array) => frame.subarray(wireChecksumBytes);
const raft = (msg: RaftMessage) => ({ v: 1 as const, kind: "raft" as const, msg });
const append: RaftMessage = {
  type: "append", from: "n1", to: "n2", term: 4, prevLogIndex: 9, prevLogTerm: 3, commit: 8, round: 12,
  entries: [{ index: 10, term: 4, kind: "normal", data: '{"k":"välue ✓"}' }, { index: 11, term: 4, kind: "noop", data: "" }],
};

describe("binary raft frames", () => {
  it("every message type round-trips through encodeWire/decodeWire unchanged (fast-check)", () => {
    fc.assert(
      fc.property(arbitraryMessage(ids), (msg) => {
        const frame = encodeWire(raft(msg));
        const decoded = decodeWire(frame, msg.from);
        expect(decoded.ok ? decoded.value : decoded.error).toEqual(raft(msg));
      }),
      { numRuns: 500 },
    );
  });

  it("decodeRaftFrame (the node's receive path) agrees with decodeWire on intact, changed and truncated frames", () => {
    fc.assert(
      fc.property(arbitraryMessage(ids), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (msg, at, byte, truncate) => {
        const frame = encodeWire({ v: 1, kind: "raft", msg });
        if (!isRaftFrame(frame)) return;
        const body = frame.subarray(wireChecksumBytes);
        const i = 1 + (at % (body.length - 1));
        const changed = truncate ? frameWireBody(body.subarray(0, i)) : frameWireBody(Uint8Array.from(body, (b, k) => (k === i ? byte : b)));
        for (const bytes of [frame, changed, frame.subarray(0, frame.length - 1)]) {
          const viaWire = decodeWire(bytes, msg.from);
          const direct = decodeRaftFrame(bytes, msg.from);
          if (viaWire.ok) expect(direct).toEqual({ ok: true, value: viaWire.value.kind === "raft" ? viaWire.value.msg : undefined });
          else expect(direct).toEqual(viaWire);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("hot messages are binary; snapshot chunks stay JSON", () => {
    expect(bodyOf(encodeWire(raft(append)))[0]).toBe(binaryRaftTag);
    const chunk: RaftMessage = {
      type: "snapshot", from: "n1", to: "n2", term: 2, meta: { index: 5, term: 1, config: { voters: ["n1", "n2"], learners: [], votersOutgoing: [] }, configIndex: 0 },
      offset: 0, totalBytes: 2, data: "{}", done: true,
    };
    expect(String.fromCharCode(bodyOf(encodeWire(raft(chunk)))[0]!)).toBe("{");
  });

  it("is several times smaller than the JSON it replaces", () => {
    const json = new TextEncoder().encode(JSON.stringify(raft(append)));
    expect(bodyOf(encodeWire(raft(append))).length).toBeLessThan(json.length * 0.7);
  });

  it("every truncation of a valid body is refused as malformed-binary, never thrown", () => {
    fc.assert(
      fc.property(arbitraryMessage(ids), fc.nat(), (msg, cut) => {
        const body = bodyOf(encodeWire(raft(msg)));
        if (body[0] !== binaryRaftTag) return;
        const short = body.slice(0, 1 + (cut % (body.length - 1)));
        const decoded = decodeWire(frameWireBody(short), msg.from);
        expect(decoded.ok).toBe(false);
        if (!decoded.ok) expect(decoded.error.code).toBe("malformed-binary");
      }),
      { numRuns: 300 },
    );
  });

  it("any byte changed in a valid body (checksum recomputed, as a forger would) decodes or is refused specifically", () => {
    fc.assert(
      fc.property(arbitraryMessage(ids), fc.nat(), fc.integer({ min: 0, max: 255 }), (msg, at, byte) => {
        const body = bodyOf(encodeWire(raft(msg))).slice();
        body[at % body.length] = byte;
        const decoded = decodeWire(frameWireBody(body), msg.from);
        if (!decoded.ok) expect(["malformed-binary", "invalid-raft-message", "forged-sender", "invalid-json", "invalid-encoding", "too-deeply-nested", "invalid-request", "unsupported-version", "unknown-kind"]).toContain(decoded.error.code);
      }),
      { numRuns: 1000 },
    );
  });

  it("the decoder's shape-trusting validator agrees with the full one on every body it decodes, intact or changed", () => {
    let refused = 0;
    fc.assert(
      fc.property(arbitraryMessage(ids), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (msg, at, byte, change) => {
        const body = bodyOf(encodeWire(raft(msg))).slice();
        if (body[0] !== binaryRaftTag) return;
        if (change) body[1 + (at % (body.length - 1))] = byte;
        const decoded = decodeRaftBinary(body, 4096);
        if (!decoded.ok) return;
        const trusted = parseDecodedRaftMessage(decoded.value);
        const full = parseFreshRaftMessage(structuredClone(decoded.value));
        if (!full.ok) refused++;
        expect(trusted).toEqual(full);
      }),
      { numRuns: 1500 },
    );
    // The property is only worth something if changed bytes reach the semantic checks.
    expect(refused).toBeGreaterThan(20);
  });

  it("arbitrary bytes after the tag never throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (rest) => {
        const body = new Uint8Array([binaryRaftTag, ...rest]);
        const decoded = decodeWire(frameWireBody(body), "n1");
        if (!decoded.ok) expect(decoded.error.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });

  it("names what is wrong: trailing bytes, unknown type, bad kind, bad boolean, entry count over the bound", () => {
    const body = bodyOf(encodeWire(raft(append)));
    const problem = (bytes: Uint8Array, max = 4096) => {
      const r = decodeRaftBinary(bytes, max);
      return r.ok ? "ok" : r.error.message;
    };
    expect(problem(new Uint8Array([...body, 0]))).toMatch(/1 bytes follow the last field/);
    expect(problem(new Uint8Array([binaryRaftTag, 200]))).toMatch(/type code 200 has no binary layout/);
    expect(problem(body, 1)).toMatch(/carries 2 entries; at most 1/);
    const vote = bodyOf(encodeWire(raft({ type: "vote-response", from: "n1", to: "n2", term: 1, granted: true }))).slice();
    vote[vote.length - 1] = 7;
    expect(problem(vote)).toMatch(/'granted' must be 0 or 1, got 7/);
  });

  it("semantic rules still apply: a non-contiguous entry is refused by the raft validator", () => {
    const bad: RaftMessage = { ...append, entries: [{ index: 12, term: 4, kind: "normal", data: "x" }] } as RaftMessage;
    const decoded = decodeWire(encodeWire(raft(bad)), "n1");
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error.code).toBe("invalid-raft-message");
  });

  it("a binary frame claiming another sender is refused as forged", () => {
    const decoded = decodeWire(encodeWire(raft(append)), "n3");
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error.code).toBe("forged-sender");
  });
});
