import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryDisk } from "../../src/ports/testing/memory-disk";
import { encodeFrame, readFrameAt } from "../../src/storage/framing";
import { encodeHardStateFrame, encodeLogRecordFrame, LOG_RECORD_TAG } from "../../src/storage/record-binary";
import { decodeHardState, decodeLogRecord, decodeSnapshot, encodeHardState, encodeLogRecord, encodeSnapshot, type LogRecord } from "../../src/storage/records";
import { HARD_STATE_FILE } from "../../src/storage/segments";
import { entries, expectOk, hardState, openOk } from "./helpers";

const SEGMENT_0 = "raft-wal-000000000000.log";
const payloadOf = (frame: Uint8Array) => {
  const read = readFrameAt(frame, 0);
  if (read.kind !== "frame") throw new Error(read.problem);
  return read.payload;
};

const recordArb: fc.Arbitrary<LogRecord> = fc.oneof(
  fc.record({
    type: fc.constant("entry" as const),
    entry: fc.record({ index: fc.integer({ min: 1, max: 2 ** 40 }), term: fc.integer({ min: 1, max: 2 ** 40 }), kind: fc.constantFrom("normal" as const, "config" as const, "noop" as const), data: fc.string({ unit: "grapheme", maxLength: 80 }) }),
    end: fc.boolean(),
  }),
  fc.record({ type: fc.constant("truncate" as const), fromIndex: fc.integer({ min: 1, max: 2 ** 50 }), end: fc.boolean() }),
  fc.record({ type: fc.constant("restart" as const), snapshotIndex: fc.integer({ min: 1, max: 2 ** 50 }), snapshotTerm: fc.integer({ min: 1, max: 2 ** 50 }), end: fc.boolean() }),
);

describe("binary storage records", () => {
  it("log records and hard states round-trip (fast-check, including non-ASCII data)", () => {
    fc.assert(
      fc.property(recordArb, (record) => {
        expect(decodeLogRecord(payloadOf(encodeLogRecordFrame(record)))).toEqual({ ok: true, value: record });
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: null }), (term, commit, votedFor) => {
        const hs = { term, commit, votedFor };
        expect(decodeHardState(payloadOf(encodeHardStateFrame(hs)))).toEqual({ ok: true, value: hs });
      }),
    );
  });

  it("a checksum-valid payload that is not a whole binary record is refused with the reason, never thrown", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (rest) => {
        const decoded = decodeLogRecord(new Uint8Array([LOG_RECORD_TAG, ...rest]));
        if (!decoded.ok) expect(decoded.problem).toMatch(/binary record|entry record|truncate record|restart record|unknown kind/);
      }),
      { numRuns: 1000 },
    );
    const frame = encodeLogRecordFrame({ type: "entry", entry: { index: 3, term: 1, kind: "normal", data: "x" }, end: true });
    const decoded = decodeLogRecord(payloadOf(frame).subarray(0, 10));
    expect(decoded).toEqual({ ok: false, problem: expect.stringMatching(/binary record ends inside index/) as unknown as string });
  });

  it("a data directory written in the older JSON layout still opens, and new binary records continue it", () => {
    const disk = new MemoryDisk();
    const jsonFrames = entries(1, 5, 1).map((e, i) => encodeFrame(encodeLogRecord({ type: "entry", entry: e, end: i === 4 })));
    for (const frame of jsonFrames) disk.append(SEGMENT_0, frame);
    disk.overwrite(HARD_STATE_FILE, encodeFrame(encodeHardState(hardState(1, 3))));
    disk.sync();
    const { store, recovered } = openOk(disk);
    expect(recovered.entries).toEqual(entries(1, 5, 1));
    expect(recovered.hardState).toEqual(hardState(1, 3));
    expectOk(store.persist({ hardState: hardState(2, 5), entries: entries(6, 8, 2) }));
    const reopened = openOk(disk);
    expect(reopened.recovered.entries).toEqual([...entries(1, 5, 1), ...entries(6, 8, 2)]);
    expect(reopened.recovered.hardState).toEqual(hardState(2, 5));
  });

  it("a snapshot record keeps the index of the config entry that made its config; older records without one name it by their own index", () => {
    const config = { voters: ["n1", "n2"], learners: ["n3"], votersOutgoing: [] };
    const snapshot = { meta: { index: 40, term: 3, config, configIndex: 17 }, data: "image" };
    expect(decodeSnapshot(encodeSnapshot(snapshot))).toEqual({ ok: true, value: snapshot });
    const legacy = new TextEncoder().encode(JSON.stringify({ index: 40, term: 3, config, data: "image" }));
    expect(decodeSnapshot(legacy)).toEqual({ ok: true, value: { ...snapshot, meta: { ...snapshot.meta, configIndex: 40 } } });
    const ahead = new TextEncoder().encode(JSON.stringify({ index: 40, term: 3, config, configIndex: 41, data: "image" }));
    expect(decodeSnapshot(ahead)).toEqual({ ok: false, problem: expect.stringMatching(/configIndex must be an entry index at most the snapshot's 40/) as unknown as string });
  });
});
