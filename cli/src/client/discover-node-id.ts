import { WebSocket } from "ws";
import { blixardError, err, ok, type Result } from "@blixard/core";
import { decodeHello, decodeReject, encodeHello, FRAME_REJECT, MAX_CONTROL_FRAME_BYTES } from "@blixard/runtime-real";

/*
 * runtime-real's WsNet dials only peers whose id it knows (it checks the id in
 * the answering hello), so for a bare ws://host:port the CLI first asks the
 * node who it is: open, send a client hello, read the node's hello, close.
 * The frames are runtime-real's own codec, so the two can never drift apart.
 */
export interface DiscoverOptions {
  readonly url: string;
  readonly clusterId: string;
  /** Our client endpoint id, announced in the hello. */
  readonly selfId: string;
  readonly timeoutMs: number;
  /** Gives up at once (the client closed): a probe must never keep the process alive. */
  readonly signal?: AbortSignal;
}

/** The node id announced by the node listening at `url`, or why it could not be learned. */
export function discoverNodeId(options: DiscoverOptions): Promise<Result<string>> {
  const { url, clusterId, selfId, timeoutMs, signal } = options;
  return new Promise((resolve) => {
    let settled = false;
    const socket = new WebSocket(url, { maxPayload: MAX_CONTROL_FRAME_BYTES, handshakeTimeout: timeoutMs, perMessageDeflate: false });
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
    const aborted = () => finish(err(blixardError("probe-abandoned", `the probe of ${url} was abandoned: the client closed`)));
    if (signal?.aborted === true) aborted();
    signal?.addEventListener("abort", aborted, { once: true });
    socket.on("error", (cause) => {
      failure = blixardError("peer-unreachable", `cannot reach ${url}: ${cause.message}`, { hint: "is the node running and the address right?" });
    });
    socket.once("close", () => finish(err(failure)));
    socket.once("open", () => socket.send(encodeHello({ clusterId, endpointId: selfId })));
    socket.once("message", (data, isBinary) => finish(readAnswer(url, clusterId, selfId, isBinary ? toBytes(data) : new Uint8Array(0))));
  });
}

function readAnswer(url: string, clusterId: string, selfId: string, frame: Uint8Array): Result<string> {
  if (frame[0] === FRAME_REJECT) {
    const rejected = decodeReject(frame);
    const hint = rejected.code === "cluster-mismatch" ? "check --cluster-id" : "check the address";
    return err(blixardError(rejected.code, `${url} refused the handshake: ${rejected.message}`, { hint }));
  }
  const hello = decodeHello(frame, { clusterId, selfId, expectedId: undefined });
  if (!hello.ok) {
    const hint = hello.error.code === "cluster-mismatch" ? "check --cluster-id" : "is this a Blixard node's listen address?";
    return err(blixardError(hello.error.code, `${url}: ${hello.error.message}`, { hint }));
  }
  return ok(hello.value.endpointId);
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
