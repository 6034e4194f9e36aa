import type { RaftMessage } from "../../src/raft/messages";
import type { WireMessage } from "../../src/protocol/wire-types";

export const heartbeat: RaftMessage = { type: "heartbeat", from: "n1", to: "n2", term: 3, commit: 7, context: null, round: 1 };

/** One valid message of every kind, with the transport sender it must arrive from. */
export const validMessages: Array<[WireMessage, string]> = [
  [{ v: 1, kind: "raft", msg: heartbeat }, "n1"],
  [
    {
      v: 1,
      kind: "raft",
      msg: {
        type: "append",
        from: "n1",
        to: "n3",
        term: 3,
        prevLogIndex: 4,
        prevLogTerm: 2,
        commit: 4,
        round: 7,
        entries: [
          { index: 5, term: 3, kind: "noop", data: "" },
          { index: 6, term: 3, kind: "normal", data: '{"module":"kv","proposedAtMs":1,"command":{"type":"delete","key":"k"}}' },
        ],
      },
    },
    "n1",
  ],
  [{ v: 1, kind: "raft", msg: { type: "vote-response", from: "n2", to: "n1", term: 9, granted: true } }, "n2"],
  [{ v: 1, kind: "client-request", requestId: "r1", clientId: "cli", seq: 4, op: { module: "kv", command: { type: "put", key: "k", value: "v" } } }, "cli"],
  [{ v: 1, kind: "client-request", requestId: "r2", clientId: "cli", op: { module: "kv", command: { type: "get", key: "k" } } }, "cli"],
  [{ v: 1, kind: "client-request", requestId: "r3", clientId: "cli", op: { module: "kv", command: { type: "scan", prefix: "a/", startAfter: "a/1", limit: 50 } } }, "cli"],
  [
    {
      v: 1,
      kind: "forward",
      request: {
        requestId: "n2:9",
        clientId: "cli",
        seq: 2,
        op: { module: "kv", command: { type: "batch", ops: [{ type: "cas", key: "x", expected: null, value: "1" }, { type: "delete", key: "y" }] } },
      },
    },
    "n2",
  ],
  [{ v: 1, kind: "client-response", requestId: "r1", result: { type: "put", created: true } }, "n1"],
  [{ v: 1, kind: "client-response", requestId: "r1", result: null }, "n1"],
  [
    { v: 1, kind: "client-response", requestId: "r1", error: { code: "not-leader", message: "node n2 is not the leader", nodeId: "n2", leaderHint: "n1" }, leaderHint: "n1" },
    "n2",
  ],
];
