import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCommandEnvelope, encodeCommandEnvelope, validateCommandEnvelope, type CommandEnvelope } from "../../src/state/envelope";
import { COMPACT_ENVELOPE_MARK, decodeCompactEnvelope } from "../../src/state/envelope-compact";

const text = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: "grapheme", maxLength: 4 }), fc.constantFrom("", "\u0000", "\u0001x", "😀", "\ud800", "v".repeat(70_000)));
const count = fc.oneof(fc.nat(), fc.constantFrom(0, -0, -1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2));
const command = fc.oneof(
  fc.record({ type: fc.constant("get"), key: text }),
  fc.record({ type: fc.constant("put"), key: text, value: text }),
  fc.record({ type: fc.constant("delete"), key: text }),
  fc.record({ type: fc.constant("cas"), key: text, expected: fc.option(text, { nil: null }), value: text }),
  fc.record({ type: fc.constantFrom("put", "cas", "scan"), key: fc.oneof(text, fc.nat()), value: fc.anything(), extra: fc.nat() }, { requiredKeys: ["type"] }),
  fc.anything(),
);
const envelope = fc.record(
  { module: fc.constantFrom("kv", "kv", "cluster"), clientId: text, seq: count, proposedAtMs: count, command },
  { requiredKeys: ["module", "proposedAtMs", "command"] },
);

describe("compact log entries", () => {
  it("decode to exactly what the JSON entry decodes to: the same envelope or the same refusal", () => {
    fc.assert(
      fc.property(envelope, (e) => {
        const data = encodeCommandEnvelope(e as CommandEnvelope);
        expect(decodeCommandEnvelope(data)).toEqual(decodeCommandEnvelope(JSON.stringify(e)));
      }),
      { numRuns: 3000 },
    );
  });

  it("are used for KV session commands, and are shorter than their JSON", () => {
    const e: CommandEnvelope = { module: "kv", clientId: "c3", seq: 17, proposedAtMs: 1735689600123, command: { type: "cas", key: "k2", expected: null, value: "v" } };
    const data = encodeCommandEnvelope(e);
    expect(data.startsWith(COMPACT_ENVELOPE_MARK)).toBe(true);
    expect(data.length).toBeLessThan(JSON.stringify(e).length / 2);
    expect(decodeCommandEnvelope(data)).toEqual({ ok: true, value: e });
  });

  it("hand-made compact data decodes as the full validator judges the value it spells (any id length, any decimal)", () => {
    const prefixed = (t: string) => String.fromCharCode(t.length >>> 16, t.length & 0xffff) + t;
    const decimal = fc.oneof(fc.nat().map(String), fc.constantFrom("0", "1", "9007199254740991", "9007199254740992", "9999999999999999"));
    const clientId = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom("c".repeat(128), "c".repeat(129), "c".repeat(1000)));
    fc.assert(
      fc.property(clientId, decimal, decimal, (id, seq, at) => {
        const data = `${COMPACT_ENVELOPE_MARK}\u0000${prefixed(id)}${prefixed(seq)}${prefixed(at)}${prefixed("k")}`;
        const compact = decodeCompactEnvelope(data);
        if ("problem" in compact) return;
        expect(decodeCommandEnvelope(data)).toEqual(validateCommandEnvelope(compact.value));
      }),
      { numRuns: 1000 },
    );
  });

  it("refuse malformed compact data with an error value, never a throw", () => {
    const good = encodeCommandEnvelope({ module: "kv", clientId: "c1", seq: 2, proposedAtMs: 5, command: { type: "put", key: "k", value: "v" } });
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.nat(), (tail, cut) => {
        for (const data of [COMPACT_ENVELOPE_MARK + tail, good.slice(0, 1 + (cut % (good.length - 1))), good + tail.slice(0, 1) + "x"]) {
          const decoded = decodeCommandEnvelope(data);
          if (!decoded.ok) expect(decoded.error.code).toBe("invalid-request");
        }
        expect(decodeCommandEnvelope(good.slice(0, 1 + (cut % (good.length - 1)))).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
