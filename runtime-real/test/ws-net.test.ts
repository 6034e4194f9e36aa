import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { CryptoRandom } from "../src/crypto-random";
import { encodeHello, FRAME_REJECT, decodeReject } from "../src/ws-frames";
import { WsNet, type WsNetOptions } from "../src/ws-net";
import { bytes, RecordingTracer, sleep, text, waitFor } from "./helpers";

type Inbox = { from: string; body: string }[];

describe("WsNet", () => {
  const opened: WsNet[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((net) => net.close()));
  });

  async function node(selfId: string, extra: Partial<WsNetOptions> = {}, port = 0) {
    const tracer = new RecordingTracer();
    const net = await WsNet.start({
      selfId, clusterId: "test", tracer, random: new CryptoRandom({ seed: 7 }),
      listen: { host: "127.0.0.1", port }, reconnectDelayMsInitial: 10, reconnectDelayMsMax: 40, ...extra,
    });
    opened.push(net);
    const inbox: Inbox = [];
    net.onReceive((from, payload) => inbox.push({ from, body: text(payload) ?? "" }));
    return { net, tracer, inbox, url: `ws://127.0.0.1:${net.address()?.port}` };
  }

  it("delivers binary payloads both ways with the handshake identity as `from`", async () => {
    const a = await node("a");
    const b = await node("b");
    a.net.addPeer("b", b.url);
    b.net.addPeer("a", a.url);
    a.net.send("b", bytes("hello b"));
    await waitFor(() => b.inbox.length === 1);
    b.net.send("a", bytes("hello a"));
    await waitFor(() => a.inbox.length === 1);
    expect(b.inbox).toEqual([{ from: "a", body: "hello b" }]);
    expect(a.inbox).toEqual([{ from: "b", body: "hello a" }]);
    const raw = new Uint8Array(256).map((_, i) => i);
    let received: Uint8Array | undefined;
    b.net.onReceive((_, payload) => (received = payload));
    a.net.send("b", raw);
    await waitFor(() => received !== undefined);
    expect(received).toEqual(raw);
  });

  it("keeps one connection per pair when both sides dial at once: the smaller id's", async () => {
    const a = await node("a");
    const b = await node("b");
    a.net.addPeer("b", b.url);
    b.net.addPeer("a", a.url);
    for (let i = 0; i < 5; i++) {
      a.net.send("b", bytes(`a${i}`));
      b.net.send("a", bytes(`b${i}`));
    }
    await sleep(100);
    expect(a.net.peerStatus("b")).toMatchObject({ connected: true, direction: "outbound" });
    expect(b.net.peerStatus("a")).toMatchObject({ connected: true, direction: "inbound" });
    b.net.send("a", bytes("after"));
    await waitFor(() => a.inbox.some((m) => m.body === "after"));
  });

  it("queues while the peer is down (drop-oldest at the bound) and delivers after it comes up", async () => {
    const probe = await node("b");
    const port = probe.net.address()?.port ?? 0;
    await probe.net.close();
    const a = await node("a", { maxQueuedMessages: 3 });
    a.net.addPeer("b", `ws://127.0.0.1:${port}`);
    for (let i = 1; i <= 5; i++) a.net.send("b", bytes(`m${i}`));
    await waitFor(() => a.tracer.kinds().includes("net.dial-failed"));
    expect(a.net.peerStatus("b")).toMatchObject({ connected: false, queuedMessages: 3, lastError: { code: "peer-unreachable" } });
    expect(a.tracer.find("net.queue-overflow")).toMatchObject({ to: "b", dropped: 1 });
    const b = await node("b", {}, port);
    await waitFor(() => b.inbox.length === 3, 3_000);
    expect(b.inbox.map((m) => m.body)).toEqual(["m3", "m4", "m5"]);
    expect(a.net.peerStatus("b")?.lastError).toBeUndefined();
  });

  it("rejects a peer from another cluster and a peer whose id is not the one dialled, with specific errors", async () => {
    const other = await node("b", { clusterId: "other" });
    const impostor = await node("c");
    const a = await node("a");
    a.net.addPeer("b", other.url);
    a.net.addPeer("d", impostor.url);
    a.net.send("b", bytes("x"));
    a.net.send("d", bytes("y"));
    await waitFor(() => a.net.peerStatus("b")?.lastError?.code === "cluster-mismatch");
    await waitFor(() => a.net.peerStatus("d")?.lastError?.code === "peer-identity-mismatch");
    expect(a.net.peerStatus("b")?.lastError?.message).toBe('cluster mismatch: a is in cluster "test", b in "other"');
    expect(other.tracer.find("net.handshake-rejected")).toMatchObject({ code: "cluster-mismatch" });
    expect(other.inbox).toEqual([]);
    expect(impostor.inbox).toEqual([]);
  });

  it("answers a wrong protocol version or garbage hello with a reject frame and closes", async () => {
    const b = await node("b");
    const replies: string[] = [];
    for (const hello of [versionHello(99), bytes("\u0002data-before-hello")]) {
      const socket = new WebSocket(b.url);
      const reply = new Promise<string>((resolve) => {
        socket.once("message", (data: Buffer) => resolve(data[0] === FRAME_REJECT ? decodeReject(new Uint8Array(data)).code : "?"));
        socket.once("close", () => resolve("closed"));
      });
      socket.once("open", () => socket.send(hello, { binary: true }));
      replies.push(await reply);
      socket.terminate();
    }
    expect(replies).toEqual(["protocol-version-mismatch", "handshake-malformed"]);
    expect(b.inbox).toEqual([]);
  });

  it("gives up on a listener that accepts the connection but never answers the hello, and says so", async () => {
    const { WebSocketServer } = await import("ws");
    const mute = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((resolve) => mute.once("listening", resolve));
    const a = await node("a", { handshakeTimeoutMs: 100 });
    a.net.addPeer("m", `ws://127.0.0.1:${(mute.address() as { port: number }).port}`);
    a.net.send("m", bytes("hello?"));
    await waitFor(() => a.net.peerStatus("m")?.lastError?.code === "handshake-timeout", 2_000);
    expect(a.net.peerStatus("m")).toMatchObject({ connected: false, queuedMessages: 1 });
    for (const client of mute.clients) client.terminate();
    await new Promise((resolve) => mute.close(resolve));
  });

  it("serves clients on the node port and replies over the client's own connection", async () => {
    const n1 = await node("n1");
    const client = await WsNet.startClient({ clusterId: "test", tracer: new RecordingTracer(), random: new CryptoRandom(), peers: { n1: n1.url } });
    opened.push(client);
    expect(client.selfId).toMatch(/^client-[0-9a-f]{16}$/);
    const answers: Inbox = [];
    client.onReceive((from, payload) => answers.push({ from, body: text(payload) ?? "" }));
    n1.net.onReceive((from, payload) => n1.net.send(from, bytes(`echo ${text(payload)}`)));
    client.send("n1", bytes("ping"));
    await waitFor(() => answers.length === 1);
    expect(answers).toEqual([{ from: "n1", body: "echo ping" }]);
    await client.close();
    await waitFor(() => n1.net.peerStatus(client.selfId) === undefined);
  });

  it("drops oversized payloads on send and closes a connection that receives one, without throwing", async () => {
    const a = await node("a", { maxMessageBytes: 1_000 });
    const b = await node("b", { maxMessageBytes: 100 });
    a.net.addPeer("b", b.url);
    expect(() => a.net.send("b", new Uint8Array(1_001))).not.toThrow();
    expect(a.tracer.find("net.send-oversize")).toMatchObject({ bytes: 1_001, maxMessageBytes: 1_000 });
    a.net.send("b", bytes("small"));
    await waitFor(() => b.inbox.length === 1);
    a.net.send("b", new Uint8Array(500));
    await waitFor(() => b.tracer.kinds().includes("net.frame-too-large"));
    // Sent before `a` sees the close, "again" would go down the dying connection and be lost (best effort).
    await waitFor(() => a.net.peerStatus("b")?.connected === false);
    a.net.send("b", bytes("again"));
    await waitFor(() => b.inbox.length === 2, 3_000);
    expect(b.inbox.map((m) => m.body)).toEqual(["small", "again"]);
    expect(() => a.net.send("nobody", bytes("x"))).not.toThrow();
    expect(a.tracer.find("net.send-unknown-peer")).toEqual({ to: "nobody" });
  });
});

function versionHello(version: number): Uint8Array {
  const hello = encodeHello({ clusterId: "test", endpointId: "z" });
  const json = JSON.parse(new TextDecoder().decode(hello.subarray(1))) as Record<string, unknown>;
  const body = new TextEncoder().encode(JSON.stringify({ ...json, version }));
  return new Uint8Array([hello[0]!, ...body]);
}
