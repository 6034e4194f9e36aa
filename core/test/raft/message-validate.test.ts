import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maxEntriesPerMessage, maxNodeIdBytes } from "../../src/raft/messages";
import { parseFreshRaftMessage, parseRaftMessage } from "../../src/raft/message-validate";
import { arbitraryMessage } from "./arbitraries";

const append = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: "append",
  from: "a",
  to: "b",
  term: 3,
  prevLogIndex: 4,
  prevLogTerm: 2,
  commit: 4,
  round: 3,
  entries: [{ index: 5, term: 3, kind: "normal", data: "x" }],
  ...over,
});

function rejectionOf(value: unknown): string {
  const r = parseRaftMessage(value);
  expect(r.ok).toBe(false);
  if (r.ok) return "";
  expect(r.error.code).toBe("invalid-raft-message");
  return r.error.message;
}

describe("parseRaftMessage", () => {
  it("accepts a valid append and returns an equal copy", () => {
    const r = parseRaftMessage(append());
    expect(r.ok && r.value).toEqual(append());
  });

  it("rejects malformed input with an error naming the field", () => {
    const cases: [unknown, string][] = [
      [null, "'message' must be an object"],
      [[1, 2], "'message' must be an object"],
      [{ ...append(), type: "gossip" }, "'type' must be one of"],
      [append({ term: -1 }), "'term'"],
      [append({ term: 1.5 }), "'term'"],
      [append({ from: "" }), "'from'"],
      [append({ to: "x".repeat(maxNodeIdBytes + 1) }), "'to'"],
      [append({ from: "b" }), "'from' and 'to'"],
      [append({ extra: 1 }), "unknown field 'extra'"],
      [append({ commit: undefined }), "'commit'"],
      [append({ entries: "nope" }), "'entries' must be an array"],
      [append({ entries: [{ index: 6, term: 3, kind: "normal", data: "x" }] }), "'entries[0].index' must be 5"],
      [append({ entries: [{ index: 5, term: 9, kind: "normal", data: "x" }] }), "'entries[0].term'"],
      [append({ entries: [{ index: 5, term: 3, kind: "weird", data: "x" }] }), "'entries[0].kind'"],
      [append({ entries: [{ index: 5, term: 3, kind: "normal", data: 7 }] }), "'entries[0].data'"],
      [append({ entries: [{ index: 5, term: 3, kind: "config", data: "{}" }] }), "'entries[0].data' is not a valid config entry"],
      [append({ prevLogTerm: 4 }), "'prevLogTerm' 4 is above the message term"],
      [
        append({ entries: Array.from({ length: maxEntriesPerMessage + 1 }, (_, i) => ({ index: 5 + i, term: 3, kind: "noop", data: "" })) }),
        `more than ${maxEntriesPerMessage}`,
      ],
      [{ type: "vote", from: "a", to: "b", term: 1, lastLogIndex: 0, lastLogTerm: 0 }, "'leadershipTransfer' is missing"],
      [{ type: "heartbeat", from: "a", to: "b", term: 1, commit: 0, context: "", round: 0 }, "'context'"],
      [
        { type: "snapshot", from: "a", to: "b", term: 2, meta: { index: 1, term: 1, config: { voters: ["a", "a"], learners: [], votersOutgoing: [] } }, offset: 0, totalBytes: 1, data: "x", done: true },
        "duplicates",
      ],
      [
        { type: "snapshot", from: "a", to: "b", term: 2, meta: { index: 1, term: 1, config: { voters: ["a"], learners: [], votersOutgoing: [] } }, offset: 0, totalBytes: 5, data: "x", done: true },
        "'done'",
      ],
      [
        { type: "snapshot", from: "a", to: "b", term: 2, meta: { index: 1, term: 1, config: { voters: ["a"], learners: [], votersOutgoing: [] } }, offset: 4, totalBytes: 5, data: "xy", done: true },
        "runs past 'totalBytes'",
      ],
      [
        { type: "snapshot", from: "a", to: "b", term: 2, meta: { index: 4, term: 1, config: { voters: ["a"], learners: [], votersOutgoing: [] }, configIndex: 5 }, offset: 0, totalBytes: 1, data: "x", done: true },
        "'meta.configIndex' 5 is above the snapshot index 4",
      ],
    ];
    for (const [value, expected] of cases) expect(rejectionOf(value)).toContain(expected);
  });

  it("never throws on arbitrary JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const r = parseRaftMessage(value);
        expect(typeof r.ok).toBe("boolean");
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on message-shaped objects with arbitrary field values", () => {
    const anyField = fc.oneof(fc.jsonValue(), fc.constant(undefined));
    const shaped = fc.record({
      type: fc.constantFrom("append", "vote", "pre-vote", "heartbeat", "snapshot", "append-response", "snapshot-response", "timeout-now"),
      from: fc.oneof(fc.string(), anyField),
      to: fc.oneof(fc.string(), anyField),
      term: fc.oneof(fc.integer(), anyField),
      entries: fc.oneof(fc.array(fc.record({ index: fc.integer(), term: fc.integer(), kind: fc.string(), data: anyField })), anyField),
      meta: anyField,
      commit: anyField,
      context: anyField,
    });
    fc.assert(
      fc.property(shaped, (value) => {
        expect(() => parseRaftMessage(value)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it("round-trips every valid message through JSON", () => {
    const message = arbitraryMessage(["n1", "n2", "n3", "node-with-long-name"]);
    fc.assert(
      fc.property(message, (m) => {
        const r = parseRaftMessage(JSON.parse(JSON.stringify(m)));
        if (!r.ok) throw new Error(r.error.message);
        expect(r.value).toEqual(m);
      }),
      { numRuns: 400 },
    );
  });
});

describe("parseFreshRaftMessage", () => {
  const message = arbitraryMessage(["n1", "n2", "n3"]);
  const mutated = fc.tuple(message, fc.constantFrom("term", "from", "entries", "commit", "granted", "round", "extra"), fc.anything()).map(([m, field, value]) => ({ ...m, [field]: value }));

  it("accepts and refuses exactly what parseRaftMessage does, and hands back the value itself", () => {
    fc.assert(
      fc.property(fc.oneof(message, mutated), (m) => {
        const fresh = parseFreshRaftMessage(JSON.parse(JSON.stringify(m)));
        const copied = parseRaftMessage(JSON.parse(JSON.stringify(m)));
        expect(fresh).toEqual(copied);
      }),
      { numRuns: 1000 },
    );
    const value = JSON.parse(JSON.stringify({ type: "heartbeat", from: "n1", to: "n2", term: 2, commit: 0, context: null, round: 1 }));
    expect(parseFreshRaftMessage(value)).toEqual({ ok: true, value });
    expect((parseFreshRaftMessage(value) as { value: unknown }).value).toBe(value);
  });

  it("parseRaftMessage's result shares nothing with its input", () => {
    const input = { type: "append", from: "n1", to: "n2", term: 2, prevLogIndex: 0, prevLogTerm: 0, commit: 0, round: 0, entries: [{ index: 1, term: 2, kind: "noop", data: "" }] };
    const parsed = parseRaftMessage(input);
    if (!parsed.ok || parsed.value.type !== "append") throw new Error("expected an append");
    expect(parsed.value).not.toBe(input);
    expect(parsed.value.entries).not.toBe(input.entries);
    expect(parsed.value.entries[0]).not.toBe(input.entries[0]);
  });
});
