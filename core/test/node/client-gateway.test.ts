import { describe, expect, it } from "vitest";
import { ClientGateway, type GatewayHost } from "../../src/node/client-gateway";
import { PendingRequests } from "../../src/node/pending-requests";
import { defaultClientOps } from "../../src/protocol/client-ops";
import type { ClientRequestBody, WireMessage } from "../../src/protocol/wire-types";
import type { Raft } from "../../src/raft/index";

/** A follower's gateway for one life of node n2, whose leader is n1; `sent` collects what it sends. */
function followerGateway(bootNonce: string, limits: { maxPending?: number; perClient?: number } = {}) {
  const sent: Array<{ to: string; message: WireMessage }> = [];
  const host = {
    nodeId: "n2",
    bootNonce,
    requestTimeoutMs: 3_000,
    maxPendingRequestsPerClient: limits.perClient ?? 256,
    clientOps: defaultClientOps(),
    pending: new PendingRequests(limits.maxPending ?? 100),
    raft: () => ({ role: "follower", leaderId: "n1" }) as unknown as Raft,
    monotonicMs: () => 0,
    wallClockMs: () => 0,
    send: (to: string, message: WireMessage) => void sent.push({ to, message }),
  } as unknown as GatewayHost;
  return { gateway: new ClientGateway(host), sent };
}

const write = (clientId: string, value: string): ClientRequestBody => ({
  requestId: `${clientId}:1`,
  clientId,
  seq: 1,
  op: { module: "kv", command: { type: "put", key: "k", value } },
});

describe("ClientGateway forwards", () => {
  it("a leader's reply to a forward from before a restart is never relayed to a request made after it (seed 95183)", () => {
    // First life: forwards client c1's write.
    const before = followerGateway("0000000000000001");
    before.gateway.accept("c1", write("c1", "old"), "c1\u0000c1:1", true);
    const oldForward = before.sent[0]?.message;
    if (oldForward?.kind !== "forward") throw new Error("expected a forward");

    // After a restart the counter starts again: the first forward of the new life must get a different id.
    const after = followerGateway("0000000000000002");
    after.gateway.accept("c2", write("c2", "new"), "c2\u0000c2:1", true);
    const newForward = after.sent[0]?.message;
    if (newForward?.kind !== "forward") throw new Error("expected a forward");
    expect(newForward.request.requestId).not.toBe(oldForward.request.requestId);

    // The leader's answer to the old forward arrives late (or is replayed): nothing reaches c2.
    after.gateway.relay("n1", { v: 1, kind: "client-response", requestId: oldForward.request.requestId, result: { ok: true, value: "old's result" } });
    expect(after.sent.filter((s) => s.to === "c2")).toEqual([]);

    // The answer to the new forward is relayed, under c2's own request id.
    after.gateway.relay("n1", { v: 1, kind: "client-response", requestId: newForward.request.requestId, result: { ok: true, value: "new's result" } });
    expect(after.sent.filter((s) => s.to === "c2").map((s) => s.message)).toEqual([
      { v: 1, kind: "client-response", requestId: "c2:1", result: { ok: true, value: "new's result" }, leaderHint: "n1" },
    ]);
  });
});

describe("ClientGateway load shedding", () => {
  const errorsTo = (sent: Array<{ to: string; message: WireMessage }>, to: string) =>
    sent.flatMap((s) => (s.to === to && s.message.kind === "client-response" && "error" in s.message ? [s.message.error] : []));

  it("answers overloaded at once to a client past its own pending limit, while other clients are still taken", () => {
    const { gateway, sent } = followerGateway("0000000000000001", { perClient: 3 });
    for (let i = 1; i <= 5; i++) gateway.accept("greedy", { ...write("greedy", `v${i}`), requestId: `g${i}`, seq: i }, `greedy\u0000g${i}`, true);
    gateway.accept("polite", write("polite", "p"), "polite\u0000polite:1", true);
    // Three of greedy's writes and polite's one were forwarded to the leader; greedy's 4th and 5th were shed.
    expect(sent.filter((s) => s.to === "n1" && s.message.kind === "forward")).toHaveLength(4);
    const shed = errorsTo(sent, "greedy");
    expect(shed.map((e) => e.code)).toEqual(["overloaded", "overloaded"]);
    expect(shed[0]?.message).toBe("node n2 is overloaded: client greedy has 3 requests pending (maxPendingRequestsPerClient)");
    expect(shed[0]?.hint).toBe("back off and retry; nothing was applied");
    expect(errorsTo(sent, "polite")).toEqual([]);
  });

  it("a peer's forwards are bounded by the whole table only (the forwarding follower limits its own clients)", () => {
    const { gateway, sent } = followerGateway("0000000000000001", { perClient: 2, maxPending: 4 });
    for (let i = 1; i <= 5; i++) gateway.accept("n3", { ...write("c9", `v${i}`), requestId: `n3/fwd/${i}`, seq: i }, `n3\u0000n3/fwd/${i}`, false);
    // Not forwardable and this node is no leader: each is refused as not-leader, never as over a per-client limit.
    expect(errorsTo(sent, "n3").map((e) => e.code)).toEqual(["not-leader", "not-leader", "not-leader", "not-leader", "not-leader"]);
    // A full table sheds everyone with overloaded.
    const full = followerGateway("0000000000000001", { maxPending: 2 });
    for (let i = 1; i <= 3; i++) full.gateway.accept(`c${i}`, write(`c${i}`, "v"), `c${i}\u0000c${i}:1`, true);
    expect(errorsTo(full.sent, "c3")).toMatchObject([{ code: "overloaded", message: "node n2 is overloaded: 2 requests are pending (maxPendingRequests)" }]);
  });
});

describe("ClientGateway and an unreachable leader", () => {
  it("answers requests forwarded to a leader the transport lost at once (outcome unknown), forwards nothing more to it until it is heard from", () => {
    const { gateway, sent } = followerGateway("0000000000000001");
    gateway.accept("c1", write("c1", "v"), "c1\u0000c1:1", true);
    expect(sent.filter((s) => s.to === "n1" && s.message.kind === "forward")).toHaveLength(1);
    gateway.peerUnreachable("n1");
    const toC1 = sent.filter((s) => s.to === "c1").map((s) => s.message);
    expect(toC1).toHaveLength(1);
    expect(toC1[0]).toMatchObject({ kind: "client-response", requestId: "c1:1", error: { code: "timeout" } });
    expect(toC1[0]?.kind === "client-response" && "error" in toC1[0] && toC1[0].error.message).toContain("which it can no longer reach");
    // A new request is not forwarded into the void: not-leader, no hint, so the client tries another node now.
    gateway.accept("c2", write("c2", "w"), "c2\u0000c2:1", true);
    expect(sent.filter((s) => s.to === "n1" && s.message.kind === "forward")).toHaveLength(1);
    expect(sent.filter((s) => s.to === "c2").map((s) => s.message)).toMatchObject([{ error: { code: "not-leader" } }]);
    expect(sent.filter((s) => s.to === "c2").some((s) => "leaderHint" in s.message)).toBe(false);
    // Heard from again: forwards resume.
    gateway.peerHeard("n1");
    gateway.accept("c3", write("c3", "x"), "c3\u0000c3:1", true);
    expect(sent.filter((s) => s.to === "n1" && s.message.kind === "forward")).toHaveLength(2);
  });
});
