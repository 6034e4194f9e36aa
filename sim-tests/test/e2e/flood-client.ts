/**
 * A misbehaving client, run as its own process by overload.test.ts so its
 * busy loop does not slow the test's own clients: it says hello to one node
 * and then pipelines valid kv puts (increasing session seq) on that single
 * connection for a while, as fast as the socket takes them, never waiting for
 * answers. Prints one JSON line: frames sent, answers, overloaded answers.
 *
 *   node --import tsx sim-tests/test/e2e/flood-client.ts ws://127.0.0.1:PORT DURATION_MS
 */
import { randomBytes } from "node:crypto";
import { WebSocket } from "ws";
import { encodeWire } from "@blixard/core";
import { encodeHello, FRAME_HELLO } from "@blixard/runtime-real";

/** Bytes the flood keeps written but unsent at most; it tops the socket up every few ms. */
const SOCKET_BUFFER_BYTES = 1024 * 1024;
/** Frames written per burst, so this process's own loop stays responsive. */
const FRAMES_PER_BURST = 500;
const FRAMES_MAX = 5_000_000;

const [url = "", durationText = "5000"] = process.argv.slice(2);
const durationMs = Math.min(60_000, Math.max(100, Number(durationText)));
const clientId = `client-flood${randomBytes(4).toString("hex")}`;
const socket = new WebSocket(url, { perMessageDeflate: false });
let answered = 0;
let overloaded = 0;
socket.on("error", (error) => {
  process.stderr.write(`flood: ${error.message}\n`);
});
await new Promise<void>((resolve, reject) => {
  socket.once("open", () => socket.send(encodeHello({ clusterId: "blixard", endpointId: clientId })));
  socket.once("message", (data: Buffer) => (data[0] === FRAME_HELLO ? resolve() : reject(new Error("the node refused the hello"))));
  socket.once("close", () => reject(new Error("closed before the hello")));
});
socket.on("message", (data: Buffer) => {
  answered++;
  if (data.includes("overloaded")) overloaded++;
});
const endMs = Date.now() + durationMs;
let seq = 0;
while (Date.now() < endMs && seq < FRAMES_MAX && socket.readyState === WebSocket.OPEN) {
  for (let burst = 0; burst < FRAMES_PER_BURST && socket.bufferedAmount < SOCKET_BUFFER_BYTES; burst++) {
    seq++;
    const request = encodeWire({ v: 1, kind: "client-request", requestId: `f${seq}`, clientId, seq, op: { module: "kv", command: { type: "put", key: `flood-${seq % 1000}`, value: "x".repeat(64) } } });
    const frame = new Uint8Array(request.length + 1);
    frame[0] = 0x02;
    frame.set(request, 1);
    socket.send(frame);
  }
  await new Promise((resolve) => setTimeout(resolve, 2));
}
socket.terminate();
process.stdout.write(`${JSON.stringify({ sent: seq, answered, overloaded })}\n`);
process.exit(0);
