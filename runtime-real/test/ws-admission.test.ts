import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { CryptoRandom } from "../src/crypto-random";
import { decodeReject, encodeData, encodeHello, FRAME_HELLO, FRAME_REJECT } from "../src/ws-frames";
import { WsNet, type NetObserver, type WsNetOptions } from "../src/ws-net";
import { bytes, RecordingTracer, sleep, text, waitFor } from "./helpers";

/*
 * Connection admission and inbound scheduling of WsNet on loopback: idle
 * sockets, full budgets, a flooding client. Every loop is bounded.
 */
describe("WsNet overload isolation", () => {
  const opened: WsNet[] = [];
  const sockets: (Socket | WebSocket)[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) (s instanceof WebSocket ? s.terminate() : s.destroy());
    await Promise.all(opened.splice(0).map((net) => net.close()));
  });

  async function node(selfId: string, extra: Partial<WsNetOptions> = {}) {
    const tracer = new RecordingTracer();
    const net = await WsNet.start({ selfId, clusterId: "test", tracer, random: new CryptoRandom({ seed: 7 }), listen: { host: "127.0.0.1", port: 0 }, ...extra });
    opened.push(net);
    const inbox: { from: string; body: string }[] = [];
    net.onReceive((from, payload) => inbox.push({ from, body: text(payload) ?? "" }));
    const port = net.address()?.port ?? 0;
    return { net, tracer, inbox, port, url: `ws://127.0.0.1:${port}` };
  }

  function idleTcp(port: number): Promise<Socket> {
    return new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1");
      sockets.push(socket);
      socket.on("error", () => {});
      socket.once("connect", () => resolve(socket));
      socket.once("close", () => resolve(socket));
    });
  }

  /** A raw client that completes the hello; resolves with the socket and the node's first answer frame. */
  function rawClient(url: string, id: string): Promise<{ socket: WebSocket; answer: Uint8Array }> {
    return new Promise((resolve) => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      sockets.push(socket);
      socket.on("error", () => {});
      socket.once("open", () => socket.send(encodeHello({ clusterId: "test", endpointId: id })));
      socket.once("message", (data: Buffer) => resolve({ socket, answer: new Uint8Array(data) }));
      socket.once("close", () => resolve({ socket, answer: new Uint8Array(0) }));
    });
  }

  it("closes a TCP connection that sends no upgrade within upgradeTimeoutMs", async () => {
    const z = await node("z", { admission: { upgradeTimeoutMs: 150 } });
    const socket = await idleTcp(z.port);
    let closedAfterMs = -1;
    const startedMs = performance.now();
    socket.once("close", () => (closedAfterMs = performance.now() - startedMs));
    await waitFor(() => closedAfterMs >= 0, 3_000);
    expect(closedAfterMs).toBeGreaterThanOrEqual(100);
    expect(z.tracer.find("net.upgrade-timeout")).toEqual({ upgradeTimeoutMs: 150 });
  });

  it("600 idle TCP connections over a 100-connection pending budget lock out neither a new peer nor a new client", async () => {
    const refused: string[] = [];
    const observer: NetObserver = { connectionRefused: (outcome) => refused.push(outcome) };
    const z = await node("z", { admission: { maxPendingConnections: 100 }, observer });
    const a = await node("a");
    for (let i = 0; i < 600; i++) await idleTcp(z.port);
    // A peer z knows dials in and is heard...
    z.net.addPeer("a", a.url);
    a.net.addPeer("z", z.url);
    a.net.send("z", bytes("from a peer"));
    await waitFor(() => z.inbox.some((m) => m.from === "a"));
    expect(z.net.peerStatus("a")).toMatchObject({ connected: true, direction: "inbound" });
    // ...and so is a new client, over its own connection.
    const client = await WsNet.startClient({ clusterId: "test", tracer: new RecordingTracer(), random: new CryptoRandom({ seed: 9 }), peers: { z: z.url } });
    opened.push(client);
    client.send("z", bytes("from a client"));
    await waitFor(() => z.inbox.some((m) => m.from === client.selfId));
    expect(refused.filter((r) => r === "pending-evicted").length).toBeGreaterThanOrEqual(400);
    expect(z.net.stats().pendingConnections).toBeLessThanOrEqual(100);
  });

  it("a full client budget closes the client idle the longest, or refuses with overloaded when none has idled long enough; peers keep their own slots", async () => {
    const z = await node("z", { admission: { maxClientConnections: 3, clientIdleEvictMs: 100 } });
    const first = await rawClient(z.url, "client-1");
    await sleep(30);
    await rawClient(z.url, "client-2");
    await rawClient(z.url, "client-3");
    await sleep(150);
    let firstClosedWith = 0;
    first.socket.once("close", (code) => (firstClosedWith = code));
    const fourth = await rawClient(z.url, "client-4");
    expect(fourth.answer[0]).toBe(FRAME_HELLO);
    await waitFor(() => firstClosedWith !== 0);
    expect(firstClosedWith).toBe(1013);
    expect(z.net.stats().clientConnections).toBe(3);

    const strict = await node("s", { admission: { maxClientConnections: 2, clientIdleEvictMs: 60_000 } });
    await rawClient(strict.url, "client-1");
    await rawClient(strict.url, "client-2");
    const refused = await rawClient(strict.url, "client-3");
    expect(refused.answer[0]).toBe(FRAME_REJECT);
    expect(decodeReject(refused.answer)).toMatchObject({ code: "overloaded" });
    // A peer still gets in: its budget is its own.
    const peer = await node("p");
    strict.net.addPeer("p", peer.url);
    peer.net.addPeer("s", strict.url);
    peer.net.send("s", bytes("peer"));
    await waitFor(() => strict.inbox.some((m) => m.from === "p"));
    expect(strict.net.stats()).toMatchObject({ clientConnections: 2, peerConnections: 1 });
  });

  it("a peer's urgent frames overtake a flooding client's queue, and the flooding client is not read while its queue is full", async () => {
    const flow: boolean[] = [];
    const z = await node("z", {
      urgent: (payload) => payload[0] === 0x21, // "!"
      maxQueuedInboundFrames: 32,
      maxInboundFramesPerTurn: 8,
      observer: { flowChanged: (_peer, paused) => flow.push(paused) },
    });
    const order: string[] = [];
    z.net.onReceive((from, payload) => {
      order.push(`${from}:${text(payload) ?? ""}`);
      // Handling a client frame costs time, as a write does: the client's frames pile up.
      if (from !== "a") for (const until = performance.now() + 1; performance.now() < until; );
    });
    const a = await node("a");
    z.net.addPeer("a", a.url);
    a.net.addPeer("z", z.url);
    a.net.send("z", bytes("hello"));
    await waitFor(() => order.includes("a:hello"));
    const flood = await rawClient(z.url, "client-flood");
    // 400 frames at once; the first says "!" but a client's frames are never urgent.
    for (let i = 0; i < 400; i++) flood.socket.send(encodeData(bytes(i === 0 ? "!client" : `c${i}`)));
    await waitFor(() => order.filter((o) => o.startsWith("client-flood:")).length >= 20);
    a.net.send("z", bytes("!raft"));
    await waitFor(() => order.includes("a:!raft"));
    const clientFramesBefore = order.slice(0, order.indexOf("a:!raft")).filter((o) => o.startsWith("client-flood:")).length;
    expect(clientFramesBefore).toBeLessThan(200);
    await waitFor(() => order.filter((o) => o.startsWith("client-flood:")).length === 400, 10_000);
    expect(order.filter((o) => o.startsWith("client-flood:"))[0]).toBe("client-flood:!client");
    expect(flow[0]).toBe(true);
    expect(flow.at(-1)).toBe(false);
  });
});
