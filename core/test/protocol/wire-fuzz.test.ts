import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeWire, encodeWire, frameWireBody as frame, type WireCodecOptions } from "../../src/protocol/wire";
import type { ClientErrorCode } from "../../src/protocol/client-errors";
import type { WireErrorCode } from "../../src/protocol/wire-errors";
import { validMessages } from "./fixtures";

const options: WireCodecOptions = { maxMessageBytes: 4096 };
const utf8 = new TextEncoder();

const knownCodes = new Set<string>([
  ...(["message-too-large", "checksum-mismatch", "invalid-encoding", "invalid-json", "malformed-binary", "too-deeply-nested", "unsupported-version", "unknown-kind", "forged-sender"] satisfies WireErrorCode[]),
  ...(["invalid-request", "key-too-large", "value-too-large", "batch-too-large", "scan-limit-too-large"] satisfies ClientErrorCode[]),
  "invalid-raft-message",
]);

/** decodeWire must return (never throw), and a refusal must be a known code with a message. */
function decodesSafely(bytes: Uint8Array, from: string): void {
  const result = decodeWire(bytes, from, options);
  if (result.ok) return;
  expect(knownCodes).toContain(result.error.code);
  expect(result.error.message.length).toBeGreaterThan(0);
}

const senderArb = fc.constantFrom("n1", "n2", "cli", "");

/** Replace, delete or add one field somewhere in a JSON value. */
function mutate(value: unknown, path: readonly number[], replacement: unknown, action: number): unknown {
  if (typeof value !== "object" || value === null) return replacement;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  const keys = Object.keys(copy);
  if (keys.length === 0 || path.length === 0) return replacement;
  const key = keys[(path[0] as number) % keys.length] as string;
  const record = copy as Record<string, unknown>;
  if (path.length === 1) {
    if (action === 0) delete record[key];
    else if (action === 1) record[`${key}_extra`] = replacement;
    else record[key] = replacement;
  } else {
    record[key] = mutate(record[key], path.slice(1), replacement, action);
  }
  return copy;
}

describe("wire fuzz: decodeWire never throws and refuses specifically", () => {
  it("arbitrary bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), senderArb, (bytes, from) => decodesSafely(bytes, from)), { numRuns: 400 });
  });

  it("arbitrary JSON values, alone and inside a v1 envelope of every kind", () => {
    const kindArb = fc.constantFrom("raft", "client-request", "forward", "client-response", "other");
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), kindArb, senderArb, (value, kind, from) => {
        decodesSafely(frame(utf8.encode(JSON.stringify(value))), from);
        const wrapped = { v: 1, kind, msg: value, op: value, request: value, result: value, error: value, requestId: "r", clientId: from };
        decodesSafely(frame(utf8.encode(JSON.stringify(wrapped))), from);
      }),
      { numRuns: 400 },
    );
  });

  it("mutated valid messages", () => {
    const caseArb = fc.nat(validMessages.length - 1);
    const pathArb = fc.array(fc.nat(20), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(caseArb, pathArb, fc.jsonValue({ maxDepth: 2 }), fc.nat(2), (which, path, replacement, action) => {
        const [message, from] = validMessages[which] as (typeof validMessages)[number];
        const mutated = mutate(JSON.parse(JSON.stringify(message)), path, replacement, action);
        decodesSafely(frame(utf8.encode(JSON.stringify(mutated))), from);
      }),
      { numRuns: 600 },
    );
  });

  it("truncated and bit-flipped encodings of valid messages", () => {
    fc.assert(
      fc.property(fc.nat(validMessages.length - 1), fc.nat(), fc.nat(7), (which, at, bit) => {
        const [message, from] = validMessages[which] as (typeof validMessages)[number];
        const bytes = encodeWire(message);
        decodesSafely(bytes.slice(0, at % bytes.length), from);
        const flipped = bytes.slice();
        flipped[at % bytes.length] = (flipped[at % bytes.length] as number) ^ (1 << bit);
        decodesSafely(flipped, from);
      }),
      { numRuns: 400 },
    );
  });

  it("oversized inputs are refused as too large, whatever they contain", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4097, maxLength: 6000 }), (bytes) => {
        expect(decodeWire(bytes, "n1", options)).toMatchObject({ ok: false, error: { code: "message-too-large" } });
      }),
      { numRuns: 50 },
    );
  });
});

describe("wire fuzz: generated valid client requests round-trip", () => {
  const keyArb = fc.string({ minLength: 1, maxLength: 20, unit: "grapheme" });
  const commandArb = fc.oneof(
    fc.record({ type: fc.constant("put"), key: keyArb, value: fc.string({ maxLength: 50, unit: "binary" }) }),
    fc.record({ type: fc.constant("delete"), key: keyArb }),
    fc.record({ type: fc.constant("cas"), key: keyArb, expected: fc.option(fc.string(), { nil: null }), value: fc.string() }),
    fc.record({ type: fc.constant("get"), key: keyArb }),
    fc.record({ type: fc.constant("scan"), prefix: fc.string(), startAfter: fc.option(keyArb, { nil: null }), limit: fc.integer({ min: 1, max: 10_000 }) }),
  );
  it("decode(encode(m)) = m", () => {
    fc.assert(
      fc.property(commandArb, fc.string({ minLength: 1, maxLength: 10 }), fc.integer({ min: 1 }), (command, clientId, seq) => {
        const message = { v: 1, kind: "client-request", requestId: "req", clientId, seq, op: { module: "kv", command } } as const;
        expect(decodeWire(encodeWire(message), clientId, options)).toEqual({ ok: true, value: message });
      }),
      { numRuns: 300 },
    );
  });
});
