import { describe, expect, it } from "vitest";
import { KvModule } from "../../src/state/kv/module";
import {
  maxBatchOps,
  maxKeyBytes,
  maxScanLimitKeys,
  maxScanPageBytes,
  maxValueBytes,
  utf8ByteLength,
} from "../../src/state/kv/limits";
import type { KvCommand, KvResult } from "../../src/state/kv/types";
import { validateKvCommand } from "../../src/state/kv/validate";

let nextIndex = 1;
function run(kv: KvModule, command: unknown): KvResult {
  const parsed = kv.validate(command);
  if (!parsed.ok) throw new Error(`unexpected invalid command: ${parsed.error.message}`);
  const outcome = kv.apply(parsed.value as KvCommand, { index: nextIndex++, term: 1, proposedAtMs: 0 });
  if (!outcome.ok) throw new Error(outcome.error.message);
  return outcome.value;
}

function invalid(command: unknown): { code: string; message: string; field?: string } {
  const parsed = validateKvCommand(command);
  if (parsed.ok) throw new Error("expected a validation error");
  return parsed.error;
}

describe("kv: single-key operations", () => {
  it("put creates then updates a key, tracking create index, mod index and version", () => {
    const kv = new KvModule();
    nextIndex = 10;
    expect(run(kv, { type: "put", key: "a", value: "1" })).toEqual({
      type: "put",
      created: true,
      written: { key: "a", createIndex: 10, modIndex: 10, version: 1 },
    });
    expect(run(kv, { type: "put", key: "a", value: "2" })).toEqual({
      type: "put",
      created: false,
      written: { key: "a", createIndex: 10, modIndex: 11, version: 2 },
    });
    expect(kv.query({ type: "get", key: "a" })).toEqual({
      ok: true,
      value: { type: "get", entry: { key: "a", value: "2", createIndex: 10, modIndex: 11, version: 2 } },
    });
  });

  it("get of a missing key returns a null entry", () => {
    expect(run(new KvModule(), { type: "get", key: "nope" })).toEqual({ type: "get", entry: null });
  });

  it("delete reports whether the key existed; a re-created key starts a new version history", () => {
    const kv = new KvModule();
    nextIndex = 1;
    run(kv, { type: "put", key: "k", value: "v" });
    run(kv, { type: "put", key: "k", value: "w" });
    expect(run(kv, { type: "delete", key: "k" })).toEqual({ type: "delete", deleted: true });
    expect(run(kv, { type: "delete", key: "k" })).toEqual({ type: "delete", deleted: false });
    expect(run(kv, { type: "put", key: "k", value: "x" })).toMatchObject({ created: true, written: { createIndex: 5, version: 1 } });
  });

  it("cas swaps on a matching value or expected absence, and reports the current entry either way", () => {
    const kv = new KvModule();
    nextIndex = 1;
    const first = run(kv, { type: "cas", key: "lock", expected: null, value: "me" });
    expect(first).toEqual({ type: "cas", swapped: true, current: { key: "lock", value: "me", createIndex: 1, modIndex: 1, version: 1 } });
    const again = run(kv, { type: "cas", key: "lock", expected: null, value: "you" });
    expect(again).toEqual({ type: "cas", swapped: false, current: { key: "lock", value: "me", createIndex: 1, modIndex: 1, version: 1 } });
    const wrong = run(kv, { type: "cas", key: "lock", expected: "you", value: "x" });
    expect(wrong).toMatchObject({ swapped: false, current: { value: "me" } });
    const right = run(kv, { type: "cas", key: "lock", expected: "me", value: "you" });
    expect(right).toEqual({ type: "cas", swapped: true, current: { key: "lock", value: "you", createIndex: 1, modIndex: 4, version: 2 } });
    const absent = run(kv, { type: "cas", key: "other", expected: "x", value: "y" });
    expect(absent).toEqual({ type: "cas", swapped: false, current: null });
  });

  it("query refuses writes: they must go through the log", () => {
    const result = new KvModule().query({ type: "put", key: "a", value: "b" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("invalid-request");
  });
});

describe("kv: bounds are enforced with exact messages", () => {
  it("a key over maxKeyBytes", () => {
    const error = invalid({ type: "put", key: "k".repeat(1500), value: "" });
    expect(error).toMatchObject({ code: "key-too-large", field: "command.key" });
    expect(error.message).toBe("key is 1500 bytes; the limit is 1024 bytes (maxKeyBytes)");
  });

  it("key bytes are UTF-8 bytes, not characters", () => {
    const key = "é".repeat(513); // 1026 bytes in 513 characters
    expect(utf8ByteLength(key)).toBe(1026);
    expect(invalid({ type: "get", key }).message).toBe("key is 1026 bytes; the limit is 1024 bytes (maxKeyBytes)");
    expect(validateKvCommand({ type: "get", key: "é".repeat(512) }).ok).toBe(true);
    expect(utf8ByteLength("😀")).toBe(4);
    expect(utf8ByteLength("\ud800")).toBe(3);
  });

  it("exactly maxKeyBytes and maxValueBytes are accepted", () => {
    const ok = validateKvCommand({ type: "put", key: "k".repeat(maxKeyBytes), value: "v".repeat(maxValueBytes) });
    expect(ok.ok).toBe(true);
  });

  it("a value over maxValueBytes, also as a cas expectation", () => {
    const big = "v".repeat(maxValueBytes + 1);
    expect(invalid({ type: "put", key: "k", value: big })).toMatchObject({
      code: "value-too-large",
      message: "value is 1048577 bytes; the limit is 1048576 bytes (maxValueBytes)",
    });
    expect(invalid({ type: "cas", key: "k", expected: big, value: "" })).toMatchObject({ code: "value-too-large", field: "command.expected" });
  });

  it("an empty key", () => {
    expect(invalid({ type: "delete", key: "" })).toMatchObject({ code: "invalid-request", field: "command.key", message: "command.key must not be empty" });
  });

  it("a batch over maxBatchOps", () => {
    const ops = Array.from({ length: maxBatchOps + 1 }, (_, i) => ({ type: "delete", key: `k${i}` }));
    expect(invalid({ type: "batch", ops })).toMatchObject({
      code: "batch-too-large",
      message: "the batch is 1001 operations; the limit is 1000 operations (maxBatchOps)",
    });
  });

  it("a scan limit over maxScanLimitKeys, and a zero limit", () => {
    expect(invalid({ type: "scan", prefix: "", limit: maxScanLimitKeys + 1 })).toMatchObject({
      code: "scan-limit-too-large",
      message: "the scan limit is 10001 keys; the limit is 10000 keys (maxScanLimitKeys)",
    });
    expect(invalid({ type: "scan", prefix: "", limit: 0 })).toMatchObject({ code: "invalid-request", field: "command.limit" });
  });

  it("shape errors name the field", () => {
    expect(invalid({ type: "put", key: "a" })).toMatchObject({ field: "command.value", message: "command.value must be a string, got nothing" });
    expect(invalid({ type: "put", key: "a", value: "b", extra: 1 })).toMatchObject({ field: "command.extra" });
    expect(invalid({ type: "cas", key: "a", value: "b" })).toMatchObject({ field: "command.expected" });
    expect(invalid({ type: "frobnicate" })).toMatchObject({ field: "command.type" });
    expect(invalid(null)).toMatchObject({ field: "command", message: "command must be an object, got null" });
    expect(invalid({ type: "batch", ops: [{ type: "get", key: "a" }] })).toMatchObject({ field: "command.ops[0].type" });
    expect(invalid({ type: "batch", ops: [{ type: "put", key: "", value: "" }] })).toMatchObject({ field: "command.ops[0].key" });
  });
});

describe("kv: prefix scan with pagination", () => {
  function fill(kv: KvModule, keys: string[]): void {
    for (const key of keys) run(kv, { type: "put", key, value: `v-${key}` });
  }

  it("pages cover every key under the prefix exactly once, in order", () => {
    const kv = new KvModule();
    const inside = Array.from({ length: 57 }, (_, i) => `app/${String(i).padStart(3, "0")}`);
    fill(kv, ["apa", "app", "apq/1", "b", ...[...inside].reverse()]);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = run(kv, { type: "scan", prefix: "app/", startAfter: cursor, limit: 10 });
      if (page.type !== "scan") throw new Error("not a scan");
      expect(page.entries.length).toBeLessThanOrEqual(10);
      seen.push(...page.entries.map((e) => e.key));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 100);
    expect(seen).toEqual([...inside].sort());
    expect(pages).toBe(6);
  });

  it("the last full page reports no cursor when nothing follows", () => {
    const kv = new KvModule();
    fill(kv, ["p1", "p2", "q"]);
    expect(run(kv, { type: "scan", prefix: "p", limit: 2 })).toMatchObject({ nextCursor: null });
    expect(run(kv, { type: "scan", prefix: "p", limit: 1 })).toMatchObject({ nextCursor: "p1" });
  });

  it("startAfter before the prefix range is harmless; an empty prefix scans everything", () => {
    const kv = new KvModule();
    fill(kv, ["a", "b", "c"]);
    expect(run(kv, { type: "scan", prefix: "b", startAfter: "a", limit: 5 })).toMatchObject({ entries: [{ key: "b" }] });
    const all = run(kv, { type: "scan", prefix: "", limit: 5 });
    expect(all.type === "scan" && all.entries.map((e) => e.key)).toEqual(["a", "b", "c"]);
  });

  it("a page stops at maxScanPageBytes but always returns at least one key", () => {
    const kv = new KvModule();
    const value = "x".repeat(maxValueBytes);
    for (const key of ["big1", "big2", "big3"]) run(kv, { type: "put", key, value });
    const page = run(kv, { type: "scan", prefix: "big", limit: 10 });
    if (page.type !== "scan") throw new Error("not a scan");
    const pageBytes = page.entries.reduce((n, e) => n + e.key.length + e.value.length, 0);
    expect(page.entries.length).toBe(1);
    expect(pageBytes).toBeLessThanOrEqual(maxScanPageBytes);
    expect(page.nextCursor).toBe("big1");
  });
});

describe("kv: batches are atomic", () => {
  it("applies every op in order when all cas ops swap", () => {
    const kv = new KvModule();
    nextIndex = 1;
    run(kv, { type: "put", key: "x", value: "0" });
    const result = run(kv, {
      type: "batch",
      ops: [
        { type: "cas", key: "x", expected: "0", value: "1" },
        { type: "put", key: "y", value: "new" },
        { type: "cas", key: "y", expected: "new", value: "newer" },
        { type: "delete", key: "x" },
      ],
    });
    expect(result).toMatchObject({ type: "batch", applied: true, failedOpIndex: null });
    if (result.type !== "batch") throw new Error("not a batch");
    expect(result.results).toHaveLength(4);
    expect(kv.query({ type: "get", key: "x" })).toMatchObject({ value: { entry: null } });
    expect(kv.query({ type: "get", key: "y" })).toMatchObject({ value: { entry: { value: "newer", version: 2, modIndex: 2 } } });
  });

  it("writes nothing when a cas fails, and reports results up to the failing op", () => {
    const kv = new KvModule();
    run(kv, { type: "put", key: "x", value: "0" });
    const before = JSON.stringify(kv.snapshot());
    const result = run(kv, {
      type: "batch",
      ops: [
        { type: "put", key: "y", value: "1" },
        { type: "delete", key: "x" },
        { type: "cas", key: "x", expected: "0", value: "2" },
        { type: "put", key: "z", value: "never evaluated" },
      ],
    });
    expect(result).toMatchObject({ applied: false, failedOpIndex: 2 });
    if (result.type !== "batch") throw new Error("not a batch");
    expect(result.results).toHaveLength(3);
    expect(result.results[2]).toEqual({ type: "cas", swapped: false, current: null });
    expect(JSON.stringify(kv.snapshot())).toBe(before);
  });
});

describe("kv: snapshot and restore", () => {
  it("restore of a snapshot gives an identical next snapshot", () => {
    const kv = new KvModule();
    for (const key of ["m", "a", "z", "k"]) run(kv, { type: "put", key, value: key.toUpperCase() });
    const copy = new KvModule();
    copy.restore(JSON.parse(JSON.stringify(kv.snapshot())));
    expect(copy.snapshot()).toEqual(kv.snapshot());
    expect(copy.keyCount).toBe(4);
  });

  it("a malformed or unordered image is refused without changing state", () => {
    const kv = new KvModule();
    run(kv, { type: "put", key: "keep", value: "1" });
    expect(() => kv.restore({ entries: [["b", "1", 1, 1, 1], ["a", "1", 1, 1, 1]] })).toThrow(/ascending/);
    expect(() => kv.restore({ entries: [["a", 1, 1, 1, 1]] })).toThrow(/malformed/);
    expect(() => kv.restore(null)).toThrow(/not an array/);
    expect(kv.snapshot()).toEqual({ entries: [["keep", "1", expect.any(Number), expect.any(Number), 1]] });
  });
});
