import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { binaryKvRequestTag, binaryKvResponseTag } from "../../src/protocol/client-binary";
import { decodeWire, encodeWire, frameWireBody, refusedRequestId, wireChecksumBytes } from "../../src/protocol/wire";
import type { WireMessage } from "../../src/protocol/wire-types";

const utf8 = new TextEncoder();
const jsonFrame = (m: unknown): Uint8Array => frameWireBody(utf8.encode(JSON.stringify(m)));

// Strings that stress the spelling: empty, non-ASCII, astral, lone surrogates (JSON keeps them, UTF-8 cannot).
const text = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: "grapheme", maxLength: 4 }), fc.constantFrom("", "é", "😀", "\ud800", "a\udc00b", "k".repeat(1100)));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const number = fc.oneof(fc.nat(), fc.constantFrom(-0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, Number.NaN));

const command = fc.oneof(
  fc.record({ type: fc.constant("get"), key: text }),
  fc.record({ type: fc.constant("put"), key: text, value: text }),
  fc.record({ type: fc.constant("delete"), key: text }),
  fc.record({ type: fc.constant("cas"), key: text, expected: fc.option(text, { nil: null }), value: text }),
  // Shapes the binary layout must leave to JSON: extra or missing fields, wrong types, other commands.
  fc.record({ type: fc.constant("put"), key: text, value: text, extra: fc.nat() }),
  fc.record({ type: fc.constant("cas"), key: text, value: text }),
  fc.record({ type: fc.constantFrom("put", "get", "scan", "nope"), key: fc.oneof(text, fc.nat()), value: fc.oneof(text, fc.constant(null)) }, { requiredKeys: ["type"] }),
);
const op = fc.oneof({ weight: 5, arbitrary: fc.record({ module: fc.constant("kv"), command }) }, fc.record({ module: fc.constantFrom("cluster", "kv"), command: fc.anything() }));
const body = fc.record({ requestId: text, clientId: text, seq: maybe(number), op });

const entry = fc.record({ createIndex: number, key: text, modIndex: number, value: text, version: number });
const result = fc.oneof(
  fc.record({ entry: fc.option(entry, { nil: null }), type: fc.constant("get") }),
  fc.record({ created: fc.boolean(), type: fc.constant("put"), written: fc.record({ createIndex: number, key: text, modIndex: number, version: number }) }),
  fc.record({ deleted: fc.boolean(), type: fc.constant("delete") }),
  fc.record({ current: fc.option(entry, { nil: null }), swapped: fc.boolean(), type: fc.constant("cas") }),
  fc.record({ type: fc.constantFrom("get", "put", "scan"), extra: fc.anything() }, { requiredKeys: [] }),
  fc.anything(),
);

const message: fc.Arbitrary<[Record<string, unknown>, string]> = fc.oneof(
  body.map((b) => [{ v: 1, kind: "client-request", ...b }, b.clientId] as [Record<string, unknown>, string]),
  body.map((b) => [{ v: 1, kind: "forward", request: b }, "n2"] as [Record<string, unknown>, string]),
  fc.record({ requestId: text, result, leaderHint: maybe(text) }).map((r) => [{ v: 1, kind: "client-response", ...r }, "n1"] as [Record<string, unknown>, string]),
);

function outcome(bytes: Uint8Array, from: string): unknown {
  const decoded = decodeWire(bytes, from);
  return decoded.ok ? { ok: decoded.value } : { code: decoded.error.code, message: decoded.error.message };
}

describe("KV client messages in binary", () => {
  it("decode to exactly what their JSON spelling decodes to: the same value, or the same refusal", () => {
    fc.assert(
      fc.property(message, ([m, from]) => {
        const binaryOrJson = encodeWire(m as unknown as WireMessage);
        expect(outcome(binaryOrJson, from)).toEqual(outcome(jsonFrame(m), from));
        expect(refusedRequestId(binaryOrJson)).toEqual(refusedRequestId(jsonFrame(m)));
      }),
      { numRuns: 3000 },
    );
  });

  it("carry the common operations (get, put, delete, cas and their results) in binary", () => {
    const request: WireMessage = { v: 1, kind: "client-request", requestId: "r1", clientId: "c1", seq: 3, op: { module: "kv", command: { type: "cas", key: "k", expected: null, value: "v" } } };
    const forward: WireMessage = { v: 1, kind: "forward", request: { requestId: "n2/fwd/1", clientId: "c1", op: { module: "kv", command: { type: "get", key: "k" } } } };
    const response: WireMessage = { v: 1, kind: "client-response", requestId: "r1", leaderHint: "n1", result: { created: true, type: "put", written: { createIndex: 4, key: "k", modIndex: 4, version: 1 } } };
    expect(encodeWire(request)[wireChecksumBytes]).toBe(binaryKvRequestTag);
    expect(encodeWire(forward)[wireChecksumBytes]).toBe(binaryKvRequestTag);
    expect(encodeWire(response)[wireChecksumBytes]).toBe(binaryKvResponseTag);
    expect(decodeWire(encodeWire(request), "c1")).toEqual({ ok: true, value: request });
    expect(decodeWire(encodeWire(forward), "n2")).toEqual({ ok: true, value: forward });
    expect(decodeWire(encodeWire(response), "n1")).toEqual({ ok: true, value: response });
  });

  it("refuse truncated, extended or corrupted binary bodies with a specific error, never a throw", () => {
    const frames = [
      encodeWire({ v: 1, kind: "client-request", requestId: "r1", clientId: "c1", seq: 3, op: { module: "kv", command: { type: "put", key: "k", value: "v" } } }),
      encodeWire({ v: 1, kind: "client-response", requestId: "r1", result: { current: { createIndex: 1, key: "k", modIndex: 2, value: "v", version: 2 }, swapped: false, type: "cas" } }),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...frames), fc.nat(), fc.uint8Array({ maxLength: 8 }), fc.integer({ min: 0, max: 255 }), (frame, cut, tail, byte) => {
        const body = frame.subarray(wireChecksumBytes);
        const at = 1 + (cut % (body.length - 1));
        for (const mutated of [body.subarray(0, at), new Uint8Array([...body, ...tail, 0]), Uint8Array.from(body, (b, i) => (i === at ? byte : b))]) {
          const decoded = decodeWire(frameWireBody(mutated), "c1");
          if (!decoded.ok) expect(decoded.error.code).toMatch(/^[a-z-]+$/);
        }
        expect(decodeWire(frameWireBody(body.subarray(0, at)), "c1")).toMatchObject({ ok: false, error: { code: "malformed-binary" } });
      }),
      { numRuns: 500 },
    );
  });
});
