import { describe, expect, it } from "vitest";
import { encodeClientCommand } from "../../src/protocol/client-command";
import { decodeCommandEnvelope } from "../../src/state/envelope";
import { decodeWire, encodeWire, frameWireBody as frame, encodeWireChecked, type WireCodecOptions } from "../../src/protocol/wire";
import { maxMessageBytes, type WireMessage } from "../../src/protocol/wire-types";
import { heartbeat, validMessages } from "./fixtures";

const options: WireCodecOptions = {};
const utf8 = new TextEncoder();

function decodeJson(value: unknown, from = "cli") {
  return decodeWire(frame(utf8.encode(JSON.stringify(value))), from, options);
}

describe("wire: valid messages", () => {
  it.each(validMessages.map((m, i) => [i, ...m] as const))("message %i round-trips", (_i, message, from) => {
    expect(decodeWire(encodeWire(message), from, options)).toEqual({ ok: true, value: message });
  });
});

describe("wire: refusals are specific", () => {
  it("checks size before parsing", () => {
    const junk = new Uint8Array(maxMessageBytes + 1).fill(0x7b); // "{{{{..." would be invalid JSON too
    expect(decodeWire(junk, "n1", options)).toMatchObject({
      ok: false,
      error: { code: "message-too-large", message: `message is ${maxMessageBytes + 1} bytes; the limit is ${maxMessageBytes} bytes (maxMessageBytes)` },
    });
    expect(decodeWire(frame(utf8.encode('{"v":1}')), "n1", { ...options, maxMessageBytes: 3 })).toMatchObject({ error: { code: "message-too-large" } });
  });

  it("encodeWireChecked refuses what a receiver would refuse", () => {
    const big: WireMessage = { v: 1, kind: "client-response", requestId: "r", result: "x".repeat(100) };
    expect(encodeWireChecked(big, 50)).toMatchObject({ ok: false, error: { code: "message-too-large" } });
    expect(encodeWireChecked(big).ok).toBe(true);
  });

  it("refuses invalid UTF-8, invalid JSON, deep nesting", () => {
    expect(decodeWire(frame(new Uint8Array([0x7b, 0xff, 0x7d])), "n1", options)).toMatchObject({ error: { code: "invalid-encoding" } });
    expect(decodeWire(frame(utf8.encode("{nope")), "n1", options)).toMatchObject({ error: { code: "invalid-json" } });
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expect(decodeWire(frame(utf8.encode(deep)), "n1", options)).toMatchObject({ error: { code: "too-deeply-nested" } });
  });

  it("refuses an unsupported version and an unknown kind", () => {
    expect(decodeJson({ v: 2, kind: "raft" })).toMatchObject({
      error: { code: "unsupported-version", message: "wire version 2 is not supported; this node speaks version 1" },
    });
    expect(decodeJson({ kind: "raft" })).toMatchObject({ error: { code: "unsupported-version", field: "v" } });
    expect(decodeJson({ v: 1, kind: "gossip" })).toMatchObject({ error: { code: "unknown-kind", field: "kind" } });
    expect(decodeJson([1, 2])).toMatchObject({ error: { code: "invalid-request" } });
  });

  it("refuses a raft message whose from is not the transport sender", () => {
    const result = decodeWire(encodeWire({ v: 1, kind: "raft", msg: heartbeat }), "n3", options);
    expect(result).toMatchObject({
      ok: false,
      error: { code: "forged-sender", field: "msg.from", message: 'msg.from claims sender "n1" but the message arrived from "n3"' },
    });
  });

  it("refuses a client request whose clientId is not the transport sender", () => {
    const [request] = validMessages.find(([m]) => m.kind === "client-request") as [WireMessage, string];
    expect(decodeWire(encodeWire(request), "mallory", options)).toMatchObject({ error: { code: "forged-sender", field: "clientId" } });
  });

  it("passes on raft's own validation errors", () => {
    expect(decodeJson({ v: 1, kind: "raft", msg: { ...heartbeat, type: "bogus" } }, "n1")).toMatchObject({ error: { code: "invalid-raft-message" } });
    expect(decodeJson({ v: 1, kind: "raft", msg: { ...heartbeat, term: -1 } }, "n1")).toMatchObject({ error: { code: "invalid-raft-message" } });
  });

  it("requires seq on writes but not on reads", () => {
    const put = { v: 1, kind: "client-request", requestId: "r", clientId: "cli", op: { module: "kv", command: { type: "delete", key: "k" } } };
    expect(decodeJson(put)).toMatchObject({ error: { code: "invalid-request", field: "seq", message: "seq is required for a write (kv delete)" } });
  });

  it("names the field of a bad op, with the kv size codes", () => {
    const op = (command: unknown) => ({ v: 1, kind: "client-request", requestId: "r", clientId: "cli", seq: 1, op: { module: "kv", command } });
    expect(decodeJson(op({ type: "put", key: "k".repeat(1500), value: "" }))).toMatchObject({
      error: { code: "key-too-large", field: "op.command.key", message: "key is 1500 bytes; the limit is 1024 bytes (maxKeyBytes)" },
    });
    expect(decodeJson(op({ type: "scan", prefix: "", limit: 20_000 }))).toMatchObject({ error: { code: "scan-limit-too-large" } });
    expect(decodeJson({ ...op({}), op: { module: "vm", command: {} } })).toMatchObject({ error: { field: "op.module" } });
    expect(decodeJson({ ...op({ type: "get", key: "k" }), seq: 0 })).toMatchObject({ error: { field: "seq" } });
    expect(decodeJson({ ...op({ type: "get", key: "k" }), extra: true })).toMatchObject({ error: { field: "extra" } });
  });

  it("a response carries exactly one of result or error, and a well-formed error", () => {
    const base = { v: 1, kind: "client-response", requestId: "r" };
    expect(decodeJson(base)).toMatchObject({ error: { code: "invalid-request", field: "result" } });
    expect(decodeJson({ ...base, result: 1, error: { code: "timeout", message: "m" } })).toMatchObject({ error: { field: "result" } });
    expect(decodeJson({ ...base, error: { code: "Not Kebab", message: "m" } })).toMatchObject({ error: { field: "error.code" } });
    expect(decodeJson({ ...base, error: { code: "timeout" } })).toMatchObject({ error: { field: "error.message" } });
  });
});

describe("encodeClientCommand", () => {
  const request = { requestId: "r", clientId: "cli", seq: 3, op: { module: "kv", command: { type: "put", key: "k", value: "v" } } };

  it("builds the envelope the state machine decodes, with the session fields", () => {
    const data = encodeClientCommand(request, 1234);
    expect(data.ok && decodeCommandEnvelope(data.value)).toEqual({
      ok: true,
      value: { module: "kv", clientId: "cli", seq: 3, proposedAtMs: 1234, command: request.op.command },
    });
  });

  it("refuses a command whose JSON escaping overflows the raft entry bound", () => {
    // Lone surrogates keep the entry in JSON (the compact form cannot carry them), where each takes 6 characters.
    const control = { ...request, op: { module: "kv", command: { type: "put", key: "k", value: "\ud800".repeat(400_000) } } };
    expect(encodeClientCommand(control, 0)).toMatchObject({
      ok: false,
      error: { code: "value-too-large", message: expect.stringContaining("(maxEntryDataBytes)") },
    });
  });
});

describe("wire: frame checksum", () => {
  it("a flipped bit anywhere in a frame is refused as checksum-mismatch, never decoded as another message", () => {
    for (const [message, from] of validMessages) {
      const bytes = encodeWire(message);
      for (let at = 0; at < bytes.length; at += Math.max(1, Math.floor(bytes.length / 40))) {
        const flipped = bytes.slice();
        flipped[at] = (flipped[at] as number) ^ 0x02;
        expect(decodeWire(flipped, from, options)).toMatchObject({ ok: false, error: { code: "checksum-mismatch" } });
      }
    }
  });

  it("a frame shorter than its checksum is refused", () => {
    expect(decodeWire(new Uint8Array([1, 2]), "n1", options)).toMatchObject({ ok: false, error: { code: "checksum-mismatch" } });
  });
});
