import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryDisk } from "../../src/ports/testing/memory-disk";
import type { RaftLogStore, StorageOptions } from "../../src/storage/index";
import { CrashPoint, CrashPointDisk, openOk } from "./helpers";
import { baseIndex, EMPTY_MODEL, lastIndex, modelCompact, modelPersist, planOp, type Model, type OpChoice } from "./model";

// Small segments so short runs roll over, compact away and truncate across segment boundaries.
const OPTIONS: Partial<StorageOptions> = { maxSegmentBytes: 700, maxRecordBytes: 300 };

interface CrashChoice {
  /** Mutating disk calls allowed before the power cut, counted from the start of the op. */
  readonly afterWrites: number;
  readonly torn: boolean;
  readonly tornSeed: number;
}

interface Step extends OpChoice {
  readonly crash: CrashChoice | null;
}

const crashArb: fc.Arbitrary<CrashChoice> = fc.record({ afterWrites: fc.nat(8), torn: fc.boolean(), tornSeed: fc.nat(1_000_000) });
const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.nat(9),
  a: fc.nat(1_000),
  b: fc.nat(1_000),
  c: fc.nat(1_000),
  crash: fc.option(crashArb, { freq: 3 }),
});

const coverage = { tornTails: 0, truncations: 0, installs: 0, compactions: 0 };

/** A node's disk, the store opened on it, and the model of what must survive. */
class Harness {
  readonly memory = new MemoryDisk();
  private disk = new CrashPointDisk(this.memory);
  store: RaftLogStore;
  model: Model = EMPTY_MODEL;
  /** True when the last crash left an unsynced torn append on disk. */
  tornPending = false;

  constructor() {
    this.store = openOk(this.disk, OPTIONS).store;
  }

  /** Runs one step; returns false if the step crashed the node. */
  run(step: Step): boolean {
    const op = planOp(this.model, step);
    if (op.type === "skip") return true;
    if (op.type === "reopen") {
      this.crashAndReopen(null);
      return true;
    }
    if (step.crash) this.disk.arm(step.crash.afterWrites);
    try {
      const result = op.type === "persist" ? this.store.persist(op.input) : this.store.compact(op.snapshot);
      expect(result.ok, result.ok ? "" : result.error.message).toBe(true);
    } catch (error) {
      if (!(error instanceof CrashPoint)) throw error;
      // Deleting covered segments happens after the sync that makes the call take effect,
      // so a cut call recovers either all of it or none of it, never part.
      this.crashAndReopen(step.crash, op.type === "compact" ? modelCompact(this.model, op.snapshot) : modelPersist(this.model, op.input));
      return false;
    } finally {
      this.disk.disarm();
    }
    if (op.type === "compact") coverage.compactions += 1;
    if (op.type === "persist" && op.input.snapshot) coverage.installs += 1;
    if (op.type === "persist" && (op.input.entries?.[0]?.index ?? Infinity) <= lastIndex(this.model)) coverage.truncations += 1;
    this.model = op.type === "persist" ? modelPersist(this.model, op.input) : modelCompact(this.model, op.snapshot);
    this.expectStatsMatchModel();
    return true;
  }

  /** Cuts power during a 5-entry append after its log write; leaves the disk un-reopened. Returns whether torn bytes remain. */
  interruptAppend(choice: CrashChoice): boolean {
    const op = planOp(this.model, { kind: 0, a: 0, b: 5, c: choice.tornSeed % 1000 });
    if (op.type !== "persist") throw new Error("planOp kind 0 always plans a persist");
    this.disk.arm(1);
    expect(() => this.store.persist(op.input)).toThrow(CrashPoint);
    this.crash(choice);
    return choice.torn;
  }

  crash(choice: CrashChoice | null): void {
    const random = { nextInt: (min: number, max: number) => min + ((choice?.tornSeed ?? 0) % (max - min + 1)) };
    this.memory.crash({ tornWrite: choice?.torn ?? false, random });
    this.disk = new CrashPointDisk(this.memory);
  }

  crashAndReopen(choice: CrashChoice | null, completed: Model | null = null): void {
    this.crash(choice);
    const opened = openOk(this.disk, OPTIONS);
    if (opened.recovered.tornTailDiscarded) coverage.tornTails += 1;
    if (completed !== null && sameState(opened.recovered, completed)) this.model = completed;
    expect(opened.recovered.hardState).toEqual(this.model.durableHardState);
    // The store now believes the recovered commit index; so does the model.
    this.model = { ...this.model, hardState: this.model.durableHardState };
    expect(opened.recovered.snapshot).toEqual(this.model.snapshot);
    expect(opened.recovered.entries).toEqual(this.model.entries);
    this.store = opened.store;
    this.expectStatsMatchModel();
  }

  private expectStatsMatchModel(): void {
    const stats = this.store.stats();
    expect(stats).toMatchObject({ snapshotIndex: baseIndex(this.model), lastIndex: lastIndex(this.model), entryCount: this.model.entries.length });
    expect(stats.segments).toBe(this.memory.list().filter((file) => file.startsWith("raft-wal-")).length);
  }
}

describe("RaftLogStore crash consistency (property)", () => {
  it("after any crash point, torn or not, reopen recovers exactly the last completed persist/compact", () => {
    let crashes = 0;
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40 }), (steps) => {
        const harness = new Harness();
        for (const step of steps) if (!harness.run(step)) crashes += 1;
        harness.crashAndReopen(null);
      }),
      { numRuns: 300 },
    );
    expect(crashes).toBeGreaterThan(100);
    // The runs must actually reach the interesting paths, or the property says little.
    expect(coverage.tornTails).toBeGreaterThan(20);
    expect(coverage.truncations).toBeGreaterThan(80);
    expect(coverage.installs).toBeGreaterThan(50);
    expect(coverage.compactions).toBeGreaterThan(50);
  });

  it("a flipped bit anywhere in durable data is reported as corruption, or lands in a discarded torn tail", () => {
    let detected = 0;
    let harmless = 0;
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 25 }),
        fc.option(crashArb, { freq: 2 }),
        fc.nat(),
        fc.nat(),
        fc.nat(7),
        fc.boolean(),
        (steps, finalCrash, fileSeed, byteSeed, bit, nearEnd) => {
          const harness = new Harness();
          for (const step of steps) harness.run({ ...step, crash: null });
          const tornTail = finalCrash === null ? (harness.crash(null), false) : harness.interruptAppend(finalCrash);
          const files = [...harness.memory.durableView()].filter(([, bytes]) => bytes.length > 0);
          fc.pre(files.length > 0);
          const [file, bytes] = files[fileSeed % files.length] as [string, Uint8Array];
          // Half the flips land in a file's last 64 bytes, where a torn tail (if any) sits.
          const offset = nearEnd ? bytes.length - 1 - (byteSeed % Math.min(bytes.length, 64)) : byteSeed % bytes.length;
          harness.memory.flipBit(file, offset, bit);
          const opened = (() => {
            try {
              return openOk(new CrashPointDisk(harness.memory), OPTIONS);
            } catch (error) {
              return error as Error;
            }
          })();
          if (opened instanceof Error) {
            expect(opened.message).toMatch(/storage on node n1 is corrupt/);
            detected += 1;
            return;
          }
          // Every synced byte is under a checksum, so only an unsynced torn tail can absorb a flip.
          expect(tornTail).toBe(true);
          expect(opened.recovered).toMatchObject({ hardState: harness.model.durableHardState, snapshot: harness.model.snapshot, tornTailDiscarded: true });
          expect(opened.recovered.entries).toEqual(harness.model.entries);
          harmless += 1;
        },
      ),
      // About 3% of runs flip a bit inside a torn tail: 400 runs make "none at all" a one-in-a-million event, not a flaky test.
      { numRuns: 400 },
    );
    expect(detected).toBeGreaterThan(200);
    expect(harmless).toBeGreaterThan(0);
  });
});

function sameState(recovered: Pick<Model, "hardState" | "snapshot" | "entries">, model: Model): boolean {
  return JSON.stringify([recovered.hardState, recovered.snapshot, recovered.entries]) === JSON.stringify([model.durableHardState, model.snapshot, model.entries]);
}
