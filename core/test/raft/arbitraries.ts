import fc from "fast-check";
import { encodeConfigEntry } from "../../src/raft/cluster-config";
import type { Entry } from "../../src/raft/log-types";
import type { RaftMessage } from "../../src/raft/messages";

/** Any structurally valid Raft message between `ids` (optionally all addressed to `to`). */
export function arbitraryMessage(ids: string[], to?: string, maxTerm = 1000, maxIndex = 1_000_000): fc.Arbitrary<RaftMessage> {
    const id = fc.constantFrom(...ids);
    const idx = fc.nat({ max: maxIndex });
    const head = fc.tuple(id, to === undefined ? id : fc.constant(to), fc.integer({ min: 1, max: maxTerm })).filter(([f, t]) => f !== t);
    const config = fc.constant({ voters: ids.slice(0, 2), learners: ids.slice(2, 3), votersOutgoing: [] });
    return head.chain(([from, to, term]) =>
      fc.oneof(
        fc.record({ type: fc.constantFrom("pre-vote" as const, "vote" as const), from: fc.constant(from), to: fc.constant(to), term: fc.constant(term), lastLogIndex: idx, lastLogTerm: idx, leadershipTransfer: fc.boolean() }),
        fc.record({ type: fc.constantFrom("pre-vote-response" as const, "vote-response" as const), from: fc.constant(from), to: fc.constant(to), term: fc.constant(term), granted: fc.boolean() }),
        fc.tuple(idx, fc.nat({ max: term }), idx, fc.array(fc.tuple(fc.constantFrom("normal" as const, "noop" as const, "config" as const), fc.string()), { maxLength: 5 })).map(
          ([prev, prevTerm, round, raw]): RaftMessage => ({
            type: "append", from, to, term, prevLogIndex: prev, prevLogTerm: prevTerm, commit: prev, round,
            entries: raw.map(([kind, data], i): Entry => ({
              index: prev + 1 + i, term, kind,
              data: kind === "config" ? encodeConfigEntry({ change: { kind: "add-learner", nodeId: ids[2] ?? "x" }, config: { voters: ids.slice(0, 1), learners: ids.slice(2, 3), votersOutgoing: [] } }) : data,
            })),
          }),
        ),
        fc.record({ type: fc.constant("append-response" as const), from: fc.constant(from), to: fc.constant(to), term: fc.constant(term), success: fc.boolean(), matchIndex: idx, rejectIndex: idx, hintIndex: idx, hintTerm: idx, round: idx }),
        fc.record({ type: fc.constant("heartbeat" as const), from: fc.constant(from), to: fc.constant(to), term: fc.constant(term), commit: idx, context: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: null }), round: idx }),
        fc.record({ type: fc.constant("heartbeat-response" as const), from: fc.constant(from), to: fc.constant(to), term: fc.constant(term), context: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: null }), round: idx }),
        fc.tuple(fc.string({ maxLength: 30 }), fc.nat({ max: 30 }), config).map(([data, offset, cfg]): RaftMessage => ({
          type: "snapshot", from, to, term, meta: { index: 7, term: 1, config: cfg, configIndex: 0 }, offset, totalBytes: offset + data.length, data, done: true,
        })),
        fc.record({ type: fc.constant("snapshot-response" as const), from: fc.constant(from), to: fc.constant(to), term: fc.constant(term), snapshotIndex: idx, snapshotTerm: idx, nextOffset: idx, accepted: fc.boolean() }),
        fc.constant<RaftMessage>({ type: "timeout-now", from, to, term }),
      ),
    );
}
