import { WebSocket } from "ws";
import { blixardError, err, ok, type Result } from "@blixard/core";

/*
 * runtime-real's WsNet dials only peers whose id it knows (it checks the id in
 * the answering hello), so for a bare ws://host:port the CLI first asks the
 * node who it is: open, send a client hello, read the node's hello, close.
 * The three frame facts below mirror runtime-real/src/ws-frames.ts
 * (hello = 0x01 + JSON, reject = 0x03 + JSON, protocol "blixard-net" v1).
 */
const FRAME_HELLO = 0x01;
const FRAME_REJECT = 0x03;
const NET_PROTOCOL = "blixard-net";
const NET_PROTOCOL_VERSION = 1;
const CONTROL_FRAME_BYTES_MAX = 2_048;

export interface DiscoverOptions {
  readonly url: string;
  readonly clusterId: string;
  /** Our client endpoint id, announced in the hello. */
  readonly selfId: string;
  readonly timeoutMs: number;
}

/** The node id announced by the node listening at `url`, or why it could not be learned. */
export function discoverNodeId(options: DiscoverOptions): Promise<Result<string>> {
  const { url, clusterId, selfId, timeoutMs } = options;
  return new Promise((resolve) => {
    let settled = false;
    const socket = new WebSocket(url, { maxPayload: CONTROL_FRAME_BYTES_MAX, handshakeTimeout: timeoutMs });
    let failure = blixardError("peer-unreachable", `no node answered at ${url}`, { hint: "is the node running and the address right?" });
    const finish = (outcome: Result<string>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners("message");
      socket.on("error", () => {});
      socket.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish(err(blixardError("handshake-timeout", `${url} did not answer the handshake within ${timeoutMs} ms`))), timeoutMs);
    socket.on("error", (cause) => {
      failure = blixardError("peer-unreachable", `cannot reach ${url}: ${cause.message}`, { hint: "is the node running and the address right?" });
    });
    socket.once("close", () => finish(err(failure)));
    socket.once("open", () => socket.send(controlFrame(FRAME_HELLO, { protocol: NET_PROTOCOL, version: NET_PROTOCOL_VERSION, clusterId, endpointId: selfId })));
    socket.once("message", (data, isBinary) => finish(readAnswer(url, clusterId, isBinary ? toBytes(data) : new Uint8Array(0))));
  });
}

function readAnswer(url: string, clusterId: string, frame: Uint8Array): Result<string> {
  const body = decodeJson(frame.subarray(1));
  if (frame[0] === FRAME_REJECT) {
    const code = typeof body?.["code"] === "string" ? body["code"] : "rejected";
    const message = typeof body?.["message"] === "string" ? body["message"] : "the node refused the handshake";
    return err(blixardError(code, `${url} refused the handshake: ${message}`, { hint: code === "cluster-mismatch" ? "check --cluster-id" : "check the address" }));
  }
  if (frame[0] !== FRAME_HELLO || body === null || body["protocol"] !== NET_PROTOCOL) {
    return err(blixardError("handshake-malformed", `${url} does not speak ${NET_PROTOCOL}`, { hint: "is this a Blixard node's listen address?" }));
  }
  if (body["clusterId"] !== clusterId) {
    return err(blixardError("cluster-mismatch", `${url} is in cluster ${JSON.stringify(body["clusterId"])}, not ${JSON.stringify(clusterId)}`, { hint: "check --cluster-id" }));
  }
  const id = body["endpointId"];
  if (typeof id !== "string" || id === "") return err(blixardError("handshake-malformed", `${url} announced no endpoint id`));
  return ok(id);
}

function controlFrame(kind: number, body: Record<string, unknown>): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(body));
  const frame = new Uint8Array(json.length + 1);
  frame[0] = kind;
  frame.set(json, 1);
  return frame;
}

function decodeJson(bytes: Uint8Array): Record<string, unknown> | null {
  if (bytes.length > CONTROL_FRAME_BYTES_MAX) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
