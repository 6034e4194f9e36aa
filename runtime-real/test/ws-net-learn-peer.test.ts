import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CryptoRandom } from "../src/crypto-random";
import { WsNet } from "../src/ws-net";
import { bytes, RecordingTracer, sleep, text, waitFor } from "./helpers";

type Inbox = { from: string; body: string }[];

/** A loopback port nobody listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address !== null ? address.port : 0;
}

describe("WsNet.learnPeer", () => {
  const opened: WsNet[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((net) => net.close()));
  });

  async function node(selfId: string) {
    const tracer = new RecordingTracer();
    const net = await WsNet.start({
      selfId, clusterId: "test", tracer, random: new CryptoRandom({ seed: 11 }),
      listen: { host: "127.0.0.1", port: 0 }, reconnectDelayMsInitial: 10, reconnectDelayMsMax: 40,
    });
    opened.push(net);
    const inbox: Inbox = [];
    net.onReceive((from, payload) => inbox.push({ from, body: text(payload) ?? "" }));
    return { net, tracer, inbox, url: `ws://127.0.0.1:${net.address()?.port}` };
  }

  it("lets a member reach a joiner that knows nobody, and the joiner answers over that connection", async () => {
    const leader = await node("n1");
    const joiner = await node("n4");
    leader.net.send("n4", bytes("lost: address unknown"));
    expect(leader.tracer.kinds()).toContain("net.send-unknown-peer");
    leader.net.learnPeer("n4", joiner.url);
    leader.net.send("n4", bytes("append"));
    await waitFor(() => joiner.inbox.length === 1);
    expect(joiner.inbox).toEqual([{ from: "n1", body: "append" }]);
    joiner.net.send("n1", bytes("ack"));
    await waitFor(() => leader.inbox.length === 1);
    expect(leader.inbox).toEqual([{ from: "n4", body: "ack" }]);
    expect(leader.tracer.find("net.peer-learned")).toEqual({ peer: "n4", url: joiner.url, previous: null });
  });

  it("is idempotent, and when both sides learn each other and dial at once they keep one connection (the smaller id's)", async () => {
    const a = await node("n1");
    const b = await node("n4");
    a.net.learnPeer("n4", b.url);
    a.net.learnPeer("n4", `${b.url}/`);
    b.net.learnPeer("n1", a.url);
    expect(a.tracer.kinds().filter((k) => k === "net.peer-learned")).toHaveLength(1);
    for (let i = 0; i < 5; i++) {
      a.net.send("n4", bytes(`a${i}`));
      b.net.send("n1", bytes(`b${i}`));
    }
    await sleep(150);
    expect(a.net.peerStatus("n4")).toMatchObject({ connected: true, direction: "outbound" });
    expect(b.net.peerStatus("n1")).toMatchObject({ connected: true, direction: "inbound" });
    b.net.send("n1", bytes("after"));
    a.net.send("n4", bytes("after"));
    await waitFor(() => a.inbox.some((m) => m.body === "after") && b.inbox.some((m) => m.body === "after"));
  });

  it("a changed address replaces the old one: frames queued for a dead address go to the new one", async () => {
    const a = await node("n1");
    const b = await node("n4");
    const dead = `ws://127.0.0.1:${await deadPort()}`;
    a.net.learnPeer("n4", dead);
    a.net.send("n4", bytes("queued"));
    await waitFor(() => a.tracer.kinds().includes("net.dial-failed"));
    a.net.learnPeer("n4", b.url);
    await waitFor(() => b.inbox.length > 0, 3_000);
    expect(b.inbox[0]).toEqual({ from: "n1", body: "queued" });
    expect(a.tracer.records.filter((r) => r.kind === "net.peer-learned").map((r) => r.fields["previous"])).toEqual([null, dead]);
  });

  it("never throws: its own id is skipped, bad ids and URLs are traced and ignored", async () => {
    const a = await node("n1");
    const bad = ["http://127.0.0.1:1", "ws://127.0.0.1:1/path", "ws://u:p@127.0.0.1:1", "not a url", `ws://${"h".repeat(300)}:1`, ""];
    for (const address of bad) expect(() => a.net.learnPeer("n9", address)).not.toThrow();
    expect(() => a.net.learnPeer("bad id with spaces", "ws://127.0.0.1:1")).not.toThrow();
    a.net.learnPeer("n1", a.url);
    const rejected = a.tracer.records.filter((r) => r.kind === "net.learn-peer-rejected");
    expect(rejected).toHaveLength(bad.length + 1);
    expect(a.net.peerStatus("n9")).toBeUndefined();
    expect(a.net.peerStatus("n1")).toBeUndefined();
    a.net.send("n9", bytes("x"));
    expect(a.tracer.kinds()).toContain("net.send-unknown-peer");
  });
});
