import fc from "fast-check";
import type { Entry } from "../../src/raft/log-types";
import { LogBuilder } from "./helpers";

// Few keys and values so operations collide: cas hits and misses, scans see neighbours.
export const keyArb = fc.constantFrom("a", "ab", "abc", "b", "b/1", "b/2", "b/3", "c");
export const valueArb = fc.constantFrom("", "1", "2", "x", "long-ish value");

export const putArb = fc.record({ type: fc.constant("put"), key: keyArb, value: valueArb });
export const deleteArb = fc.record({ type: fc.constant("delete"), key: keyArb });
export const casArb = fc.record({
  type: fc.constant("cas"),
  key: keyArb,
  expected: fc.option(valueArb, { nil: null }),
  value: valueArb,
});
export const batchOpArb = fc.oneof(putArb, deleteArb, casArb);
export const kvCommandArb = fc.oneof(
  { weight: 4, arbitrary: putArb },
  { weight: 2, arbitrary: deleteArb },
  { weight: 3, arbitrary: casArb },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("get"), key: keyArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("scan"),
      prefix: fc.constantFrom("", "a", "b/", "z"),
      startAfter: fc.option(keyArb, { nil: null }),
      limit: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("batch"), ops: fc.array(batchOpArb, { minLength: 1, maxLength: 4 }) }) },
);

type Step =
  | { readonly kind: "command"; readonly command: unknown; readonly client: null | { id: string; seqMove: "next" | "retry" | "stale" | "skip" } }
  | { readonly kind: "garbage"; readonly data: string }
  | { readonly kind: "noop" }
  | { readonly kind: "config" }
  | { readonly kind: "new-term" };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("command" as const),
      command: kvCommandArb,
      client: fc.option(
        fc.record({ id: fc.constantFrom("c1", "c2", "c3", "c4"), seqMove: fc.constantFrom("next", "next", "retry", "stale", "skip") }),
        { nil: null },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("garbage" as const), data: fc.string({ maxLength: 20 }) }) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: "noop" as const }, { kind: "config" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "new-term" as const }) },
);

/** A random committed log: kv commands with and without sessions (retries, stale and skipped seqs), junk, noops, term changes. */
export const logArb: fc.Arbitrary<Entry[]> = fc.array(stepArb, { maxLength: 60 }).map(buildLog);

function buildLog(steps: readonly Step[]): Entry[] {
  const log = new LogBuilder();
  const lastSeq = new Map<string, number>();
  for (const step of steps) {
    if (step.kind === "new-term") log.term++;
    else if (step.kind === "garbage") log.raw(step.data);
    else if (step.kind === "noop" || step.kind === "config") log.raw("", step.kind);
    else if (step.client === null) log.command(step.command);
    else {
      const last = lastSeq.get(step.client.id) ?? 0;
      const move = step.client.seqMove;
      const seq = move === "next" ? last + 1 : move === "skip" ? last + 2 : move === "retry" ? Math.max(1, last) : Math.max(1, last - 1);
      lastSeq.set(step.client.id, Math.max(last, seq));
      log.command(step.command, { clientId: step.client.id, seq });
    }
  }
  return log.entries;
}
