import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fnv64Bytes, fnv64Hex, fnv64Offset, fnv64String } from "../../src/state/digest";
import { KvModule } from "../../src/state/kv/module";
import { StateMachine } from "../../src/state/state-machine";
import { logArb } from "./arbitraries";
import { LogBuilder } from "./helpers";

function machine(): StateMachine {
  return new StateMachine([new KvModule()], { sessions: { maxSessions: 2, maxCachedResultChars: 64 * 1024 } });
}

describe("digest: FNV-1a 64", () => {
  it("matches the published test vectors", () => {
    const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
    expect(fnv64Hex(fnv64Bytes(fnv64Offset, []))).toBe("cbf29ce484222325");
    expect(fnv64Hex(fnv64Bytes(fnv64Offset, ascii("a")))).toBe("af63dc4c8601ec8c");
    expect(fnv64Hex(fnv64Bytes(fnv64Offset, ascii("foobar")))).toBe("85944171f73967e8");
  });

  it("hashes strings as UTF-16 code units, low byte first", () => {
    expect(fnv64String("a")).toBe(fnv64Hex(fnv64Bytes(fnv64Offset, [0x61, 0x00])));
    expect(fnv64String("€")).toBe(fnv64Hex(fnv64Bytes(fnv64Offset, [0xac, 0x20])));
  });
});

describe("StateMachine: applying entries", () => {
  it("noop and config entries advance appliedIndex without touching modules", () => {
    const sm = machine();
    const log = new LogBuilder();
    const noop = sm.apply(log.raw("", "noop"));
    const config = sm.apply(log.raw('{"voters":["n1"]}', "config"));
    expect(noop).toMatchObject({ index: 1, kind: "noop", result: null });
    expect(config).toMatchObject({ index: 2, kind: "config", result: null });
    expect(sm.appliedIndex).toBe(2);
    expect(JSON.parse(sm.snapshot()).modules.kv).toEqual({ entries: [] });
  });

  it("undecodable and invalid commands become error outcomes, never exceptions", () => {
    const sm = machine();
    const log = new LogBuilder();
    const cases: Array<[string, string]> = [
      ["{not json", "entry.data"],
      ["[]", "envelope"],
      ['{"module":"kv","proposedAtMs":1}', "envelope.command"],
      ['{"module":"nope","proposedAtMs":1,"command":{}}', "envelope.module"],
      ['{"module":"kv","proposedAtMs":-5,"command":{}}', "envelope.proposedAtMs"],
      ['{"module":"kv","proposedAtMs":1,"clientId":"c","command":{}}', "envelope.seq"],
      ['{"module":"kv","proposedAtMs":1,"command":{"type":"put","key":""}}', "command.key"],
    ];
    for (const [data, field] of cases) {
      const outcome = sm.apply(log.raw(data));
      expect(outcome.result).toMatchObject({ ok: false, error: { code: "invalid-request", field } });
    }
    expect(sm.appliedIndex).toBe(cases.length);
  });

  it("refuses to apply out of order: that is a driver bug", () => {
    const sm = machine();
    expect(() => sm.apply({ index: 2, term: 1, kind: "noop", data: "" })).toThrow(/apply-in-order/);
  });

  it("query reads applied state without a log entry", () => {
    const sm = machine();
    const log = new LogBuilder();
    sm.apply(log.command({ type: "put", key: "k", value: "v" }));
    expect(sm.query("kv", { type: "scan", prefix: "", limit: 10 })).toMatchObject({ ok: true, value: { entries: [{ key: "k", value: "v" }] } });
    expect(sm.query("vm", { type: "get" })).toMatchObject({ ok: false, error: { code: "invalid-request" } });
    expect(sm.appliedIndex).toBe(1);
  });
});

describe("StateMachine: determinism and snapshots", () => {
  it("two replicas fed the same log have equal digests at every index and equal snapshots", () => {
    fc.assert(
      fc.property(logArb, (entries) => {
        const a = machine();
        const b = machine();
        for (const entry of entries) {
          expect(canonical(a.apply(entry))).toBe(canonical(b.apply(entry)));
          expect(a.digest).toBe(b.digest);
        }
        expect(a.snapshot()).toBe(b.snapshot());
        expect(a.stateDigest()).toBe(b.stateDigest());
      }),
      { numRuns: 60 },
    );
  });

  it("snapshot at any point + restore + the remaining suffix equals replaying the whole log", () => {
    fc.assert(
      fc.property(logArb, fc.nat(), (entries, cut) => {
        const at = entries.length === 0 ? 0 : cut % (entries.length + 1);
        const full = machine();
        const fullOutcomes = entries.map((e) => canonical(full.apply(e)));
        const prefix = machine();
        for (const entry of entries.slice(0, at)) prefix.apply(entry);
        const restored = machine();
        expect(restored.restore(prefix.snapshot()).ok).toBe(true);
        expect(restored.appliedIndex).toBe(at);
        const suffixOutcomes = entries.slice(at).map((e) => canonical(restored.apply(e)));
        expect(suffixOutcomes).toEqual(fullOutcomes.slice(at));
        expect(restored.snapshot()).toBe(full.snapshot());
        expect(restored.digest).toBe(full.digest);
      }),
      { numRuns: 60 },
    );
  });

  it("a different log gives a different rolling digest", () => {
    const a = machine();
    const b = machine();
    const logA = new LogBuilder();
    const logB = new LogBuilder();
    a.apply(logA.command({ type: "put", key: "k", value: "1" }));
    b.apply(logB.command({ type: "put", key: "k", value: "2" }));
    expect(a.digest).not.toBe(b.digest);
  });

  it("a corrupt snapshot is refused with a specific error and leaves state unchanged", () => {
    const sm = machine();
    const log = new LogBuilder();
    sm.apply(log.command({ type: "put", key: "k", value: "v" }, { clientId: "c1", seq: 1 }));
    const before = sm.snapshot();
    const good = JSON.parse(before);
    const corruptions = [
      "not json",
      JSON.stringify({ ...good, v: 2 }),
      JSON.stringify({ ...good, appliedIndex: -1 }),
      JSON.stringify({ ...good, digest: "xyz" }),
      JSON.stringify({ ...good, modules: {} }),
      JSON.stringify({ ...good, sessions: [{}] }),
      JSON.stringify({ ...good, modules: { kv: { entries: [["b", "1", 1, 1, 1], ["a", "1", 1, 1, 1]] } } }),
    ];
    for (const data of corruptions) {
      expect(sm.restore(data)).toMatchObject({ ok: false, error: { code: "snapshot-corrupt" } });
      expect(sm.snapshot()).toBe(before);
    }
  });
});

function canonical(value: unknown): string {
  return JSON.stringify(value);
}
