import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MessageDetail, WriteDetail } from "../src/trace/message-detail";
import { Trace } from "../src/trace/trace";

type Rec = [number, string, string, string];
const record: fc.Arbitrary<Rec> = fc.tuple(fc.nat({ max: 2 ** 40 }), fc.constantFrom("n1", "n2", "world"), fc.constantFrom("deliver", "timer", "net.send"), fc.string({ maxLength: 12 }));

function hashOf(records: readonly Rec[]): string {
  const trace = new Trace();
  for (const [at, node, kind, detail] of records) trace.record(at, node, kind, detail);
  return trace.digestHex();
}

describe("trace hash", () => {
  it("is 16 hex digits and the same for the same records", () => {
    fc.assert(fc.property(fc.array(record, { maxLength: 20 }), (records) => {
      const hash = hashOf(records);
      expect(hash).toMatch(/^[0-9a-f]{16}$/);
      expect(hashOf(records)).toBe(hash);
    }));
  });

  it("differs when any record differs, moves, or is dropped", () => {
    fc.assert(fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), fc.array(record, { minLength: 1, maxLength: 20 }), (a, b) => {
      fc.pre(JSON.stringify(a) !== JSON.stringify(b));
      expect(hashOf(a)).not.toBe(hashOf(b));
    }), { numRuns: 500 });
  });

  it("tells apart records whose fields only split the same text differently", () => {
    expect(hashOf([[1, "n1", "ab", "c"]])).not.toBe(hashOf([[1, "n1", "a", "bc"]]));
    expect(hashOf([[1, "n1", "a", "b"], [2, "n1", "c", ""]])).not.toBe(hashOf([[1, "n1", "a", "b"], [2, "n1", "", "c"]]));
    expect(hashOf([[1, "n1", "x", "y"]])).not.toBe(hashOf([[2, "n1", "x", "y"]]));
  });
});

describe("message details in the trace", () => {
  const detail = (over: Partial<{ id: number; from: string; to: string; bytes: number; digest: number; byz: string | null; dup: boolean }> = {}) => {
    const d = { id: 12, from: "n1", to: "n2", bytes: 55, digest: 0x1a2b3c4d, byz: null, dup: false, ...over };
    return new MessageDetail(d.id, d.from, d.to, d.bytes, d.digest, d.byz, d.dup);
  };
  const hashWith = (d: MessageDetail): string => {
    const trace = new Trace();
    trace.record(5, "n1", "net.send", d);
    return trace.digestHex();
  };

  it("render as text only when read, in the same form as before", () => {
    expect(String(detail())).toBe("#12 n1->n2 55b:1a2b3c4d");
    expect(String(detail({ byz: "replay", dup: true }))).toBe("#12 n1->n2 55b:1a2b3c4d byz=replay dup");
    const trace = new Trace();
    trace.record(5, "n1", "deliver", detail());
    expect(trace.tail()).toEqual([{ atUs: 5, node: "n1", kind: "deliver", detail: "#12 n1->n2 55b:1a2b3c4d" }]);
  });

  it("change the trace hash when any field changes", () => {
    const base = hashWith(detail());
    const variants = [detail({ id: 13 }), detail({ from: "n3" }), detail({ to: "n3" }), detail({ bytes: 56 }), detail({ digest: 1 }), detail({ byz: "flip" }), detail({ dup: true }), detail({ from: "n1>", to: "n2" }), detail({ from: "n1", to: ">n2" })];
    const hashes = variants.map(hashWith);
    expect(new Set([base, ...hashes]).size).toBe(variants.length + 1);
  });
});

describe("disk write details in the trace", () => {
  it("render as before and change the hash when any field changes", () => {
    expect(String(new WriteDetail("raft-wal-000000000000.log", 72, 0x1a2b3c4d))).toBe("file=raft-wal-000000000000.log 72b:1a2b3c4d");
    const hashOf = (d: WriteDetail): string => {
      const trace = new Trace();
      trace.record(1, "n1", "disk.append", d);
      return trace.digestHex();
    };
    const hashes = [new WriteDetail("a", 1, 2), new WriteDetail("b", 1, 2), new WriteDetail("a", 3, 2), new WriteDetail("a", 1, 4)].map(hashOf);
    expect(new Set(hashes).size).toBe(4);
  });
});
