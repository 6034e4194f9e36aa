import type { Entry, HardState, Snapshot } from "../../src/raft/log-types";
import type { PersistInput } from "../../src/storage/index";
import { CONFIG } from "./helpers";

/** The reference: what the last completed persist/compact says is durable. Deliberately naive. */
export interface Model {
  /** The latest hard state handed to the store (what Raft believes now). */
  readonly hardState: HardState;
  /** What reopening must recover: the commit index is written only along with a term or vote change. */
  readonly durableHardState: HardState;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
}

export const EMPTY_MODEL: Model = { hardState: { term: 0, votedFor: null, commit: 0 }, durableHardState: { term: 0, votedFor: null, commit: 0 }, snapshot: null, entries: [] };

export const baseIndex = (m: Model): number => m.snapshot?.meta.index ?? 0;
export const lastIndex = (m: Model): number => m.entries[m.entries.length - 1]?.index ?? baseIndex(m);

export function termAt(m: Model, index: number): number | undefined {
  if (index === baseIndex(m)) return m.snapshot?.meta.term ?? 0;
  return m.entries.find((e) => e.index === index)?.term;
}

/** Raft §7: a snapshot keeps the log after it only if the log has the snapshot's last entry. */
export function modelPersist(m: Model, input: PersistInput): Model {
  let entries = [...m.entries];
  let snapshot = m.snapshot;
  if (input.snapshot) {
    const { index, term } = input.snapshot.meta;
    entries = termAt(m, index) === term ? entries.filter((e) => e.index > index) : [];
    snapshot = input.snapshot;
  }
  const first = input.entries?.[0];
  if (first) entries = [...entries.filter((e) => e.index < first.index), ...(input.entries as Entry[])];
  const hardState = input.hardState ?? m.hardState;
  const voteChanged = hardState.term !== m.durableHardState.term || hardState.votedFor !== m.durableHardState.votedFor;
  return { hardState, durableHardState: voteChanged ? hardState : m.durableHardState, snapshot, entries };
}

export function modelCompact(m: Model, snapshot: Snapshot): Model {
  return { ...m, snapshot, entries: m.entries.filter((e) => e.index > snapshot.meta.index) };
}

/** Raw random choices; `planOp` turns them into a Raft-plausible operation for the current model. */
export interface OpChoice {
  readonly kind: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

export type PlannedOp =
  | { readonly type: "persist"; readonly input: PersistInput }
  | { readonly type: "compact"; readonly snapshot: Snapshot }
  | { readonly type: "reopen" }
  | { readonly type: "skip" };

const VOTES = [null, "n1", "n2", "n3"] as const;

export function planOp(m: Model, choice: OpChoice): PlannedOp {
  const { kind, a, b, c } = choice;
  const base = baseIndex(m);
  const last = lastIndex(m);
  const commit = m.hardState.commit;
  const term = Math.max(1, m.hardState.term + (c % 4 === 0 ? 1 : 0));
  const votedFor = term > m.hardState.term || m.hardState.votedFor === null ? VOTES[b % 4] ?? null : m.hardState.votedFor;
  const floor = Math.max(commit, base);
  const makeEntries = (start: number, count: number): Entry[] =>
    Array.from({ length: count }, (_, k) => ({ index: start + k, term, kind: k % 5 === 4 ? "noop" : "normal", data: `v${start + k}:${"x".repeat((c + k * 37) % 90)}` }));

  if (kind <= 4) {
    const truncate = kind >= 3 && last > floor;
    const start = truncate ? floor + 1 + (a % (last - floor)) : last + 1;
    const count = truncate ? 1 + (b % 4) : b % 6;
    const newLast = count > 0 ? start + count - 1 : last;
    const newCommit = commit + (a % (newLast - commit + 1));
    return { type: "persist", input: { hardState: { term, votedFor, commit: newCommit }, entries: makeEntries(start, count) } };
  }
  if (kind === 5) {
    const index = floor + 1 + (a % Math.max(3, last - floor + 2));
    const matchTerm = b % 2 === 0 && index <= last ? termAt(m, index) : undefined;
    const snapshot: Snapshot = { meta: { index, term: matchTerm ?? term, config: CONFIG, configIndex: 0 }, data: `installed@${index}:${c}` };
    const keepsSuffix = termAt(m, index) === snapshot.meta.term;
    const start = keepsSuffix ? last + 1 : index + 1;
    const newEntries = makeEntries(start, c % 3);
    return { type: "persist", input: { hardState: { term, votedFor, commit: index }, snapshot, entries: newEntries } };
  }
  if (kind <= 7) {
    if (commit <= base) return { type: "skip" };
    const index = base + 1 + (a % (commit - base));
    return { type: "compact", snapshot: { meta: { index, term: termAt(m, index) as number, config: CONFIG, configIndex: 0 }, data: `app@${index}:${c}` } };
  }
  if (kind === 8) return { type: "persist", input: { hardState: { term, votedFor, commit: commit + (a % (last - commit + 1)) } } };
  return { type: "reopen" };
}
