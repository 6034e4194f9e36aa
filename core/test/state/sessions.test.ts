import { describe, expect, it } from "vitest";
import { KvModule } from "../../src/state/kv/module";
import { SessionTable } from "../../src/state/sessions";
import { StateMachine } from "../../src/state/state-machine";
import { LogBuilder } from "./helpers";

function machine(maxSessions = 100, maxCachedResultChars = 64 * 1024): StateMachine {
  return new StateMachine([new KvModule()], { sessions: { maxSessions, maxCachedResultChars } });
}

describe("sessions: exactly-once client writes", () => {
  it("a retried write returns the cached result and does not apply again", () => {
    const sm = machine();
    const log = new LogBuilder();
    const first = sm.apply(log.command({ type: "put", key: "n", value: "1" }, { clientId: "c1", seq: 1 }));
    const retry = sm.apply(log.command({ type: "put", key: "n", value: "1" }, { clientId: "c1", seq: 1 }));
    expect(first.duplicate).toBe(false);
    expect(retry.duplicate).toBe(true);
    expect(retry.result).toEqual(first.result);
    expect(sm.query("kv", { type: "get", key: "n" })).toMatchObject({ value: { entry: { version: 1, modIndex: 1 } } });
  });

  it("a duplicate carrying a different command still does not apply (seq identifies the request)", () => {
    const sm = machine();
    const log = new LogBuilder();
    sm.apply(log.command({ type: "put", key: "n", value: "1" }, { clientId: "c1", seq: 1 }));
    const retry = sm.apply(log.command({ type: "put", key: "n", value: "2" }, { clientId: "c1", seq: 1 }));
    expect(retry.duplicate).toBe(true);
    expect(sm.query("kv", { type: "get", key: "n" })).toMatchObject({ value: { entry: { value: "1" } } });
  });

  it("an older seq than the last applied gets duplicate-stale", () => {
    const sm = machine();
    const log = new LogBuilder();
    sm.apply(log.command({ type: "put", key: "a", value: "1" }, { clientId: "c1", seq: 1 }));
    sm.apply(log.command({ type: "put", key: "a", value: "2" }, { clientId: "c1", seq: 2 }));
    const stale = sm.apply(log.command({ type: "put", key: "a", value: "1" }, { clientId: "c1", seq: 1 }));
    expect(stale.result).toMatchObject({ ok: false, error: { code: "duplicate-stale" } });
    expect(sm.query("kv", { type: "get", key: "a" })).toMatchObject({ value: { entry: { value: "2", version: 2 } } });
  });

  it("an unknown client must start at seq 1; a higher seq is session-expired and not applied", () => {
    const sm = machine();
    const log = new LogBuilder();
    const outcome = sm.apply(log.command({ type: "put", key: "a", value: "1" }, { clientId: "ghost", seq: 7 }));
    expect(outcome.result).toMatchObject({ ok: false, error: { code: "session-expired" } });
    expect(sm.query("kv", { type: "get", key: "a" })).toMatchObject({ value: { entry: null } });
    expect(sm.sessionCount).toBe(0);
  });

  it("an invalid command consumes its seq: a retry gets the same error, deterministically", () => {
    const sm = machine();
    const log = new LogBuilder();
    const bad = sm.apply(log.command({ type: "put", key: "" , value: "x" }, { clientId: "c1", seq: 1 }));
    const retry = sm.apply(log.command({ type: "put", key: "", value: "x" }, { clientId: "c1", seq: 1 }));
    expect(bad.result).toMatchObject({ ok: false, error: { code: "invalid-request", field: "command.key" } });
    expect(retry).toMatchObject({ duplicate: true, result: bad.result });
  });

  it("a result too large to cache makes a retry duplicate-stale, never a re-apply", () => {
    const sm = machine(100, 50);
    const log = new LogBuilder();
    sm.apply(log.command({ type: "put", key: "k", value: "x".repeat(100) }, { clientId: "c1", seq: 1 }));
    sm.apply(log.command({ type: "cas", key: "k", expected: "nope", value: "y" }, { clientId: "c1", seq: 2 }));
    const retry = sm.apply(log.command({ type: "cas", key: "k", expected: "nope", value: "y" }, { clientId: "c1", seq: 2 }));
    expect(retry.result).toMatchObject({ ok: false, error: { code: "duplicate-stale", message: expect.stringContaining("too large to cache") } });
  });

  it("evicts the session idle longest (smallest last-applied index) when full", () => {
    const sm = machine(3);
    const log = new LogBuilder();
    sm.apply(log.command({ type: "delete", key: "a" }, { clientId: "c1", seq: 1 }));
    sm.apply(log.command({ type: "delete", key: "a" }, { clientId: "c2", seq: 1 }));
    sm.apply(log.command({ type: "delete", key: "a" }, { clientId: "c3", seq: 1 }));
    sm.apply(log.command({ type: "delete", key: "a" }, { clientId: "c1", seq: 2 })); // c1 active again: c2 is now idlest
    sm.apply(log.command({ type: "delete", key: "a" }, { clientId: "c4", seq: 1 }));
    expect(sm.sessionCount).toBe(3);
    const c2 = sm.apply(log.command({ type: "delete", key: "a" }, { clientId: "c2", seq: 2 }));
    expect(c2.result).toMatchObject({ ok: false, error: { code: "session-expired" } });
    const c1 = sm.apply(log.command({ type: "delete", key: "a" }, { clientId: "c1", seq: 2 }));
    expect(c1.duplicate).toBe(true);
  });

  it("eviction order survives snapshot/restore: a restored replica evicts the same session", () => {
    const log = new LogBuilder();
    const live = machine(3);
    for (const [clientId, seq] of [["zed", 1], ["amy", 1], ["bob", 1], ["zed", 2]] as const) {
      live.apply(log.command({ type: "delete", key: "a" }, { clientId, seq }));
    }
    const restored = machine(3);
    expect(restored.restore(live.snapshot())).toEqual({ ok: true, value: undefined });
    const next = log.command({ type: "delete", key: "a" }, { clientId: "new", seq: 1 });
    live.apply(next);
    restored.apply(next);
    expect(restored.snapshot()).toBe(live.snapshot());
    expect(JSON.parse(live.snapshot()).sessions.map((s: { clientId: string }) => s.clientId)).toEqual(["bob", "new", "zed"]);
  });

  it("commands without a client id are not deduplicated (internal proposals)", () => {
    const sm = machine();
    const log = new LogBuilder();
    sm.apply(log.command({ type: "put", key: "a", value: "1" }));
    const second = sm.apply(log.command({ type: "put", key: "a", value: "1" }));
    expect(second.duplicate).toBe(false);
    expect(sm.sessionCount).toBe(0);
    expect(sm.query("kv", { type: "get", key: "a" })).toMatchObject({ value: { entry: { version: 2 } } });
  });
});

describe("SessionTable.restore", () => {
  it("refuses a malformed image and leaves the table unchanged", () => {
    const table = new SessionTable({ maxSessions: 10, maxCachedResultChars: 100 });
    table.record("c", 1, 1, '{"ok":true,"value":1}');
    for (const bad of [null, [{ clientId: "" }], [{ clientId: "x", lastSeq: 0, lastAppliedIndex: 1, cachedResultJson: null }], [{ clientId: "x", lastSeq: 1, lastAppliedIndex: 1, cachedResultJson: "{" }]]) {
      expect(table.restore(bad)).toMatchObject({ ok: false, error: { code: "snapshot-corrupt" } });
    }
    const dup = { clientId: "x", lastSeq: 1, lastAppliedIndex: 1, cachedResultJson: null };
    expect(table.restore([dup, dup])).toMatchObject({ ok: false, error: { message: expect.stringContaining("twice") } });
    expect(table.size).toBe(1);
    expect(table.check("c", 1)).toEqual({ kind: "retry", result: { ok: true, value: 1 } });
  });
});
