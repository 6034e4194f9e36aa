import { WebSocket, type RawData } from "ws";
import { blixardError, type BlixardError, type Tracer } from "@blixard/core";
import { decodeHello, decodeReject, encodeHello, encodeReject, FRAME_REJECT } from "./ws-frames";

/**
 * The hello exchange that opens every connection, both ways. Until it is done
 * a socket carries no data: the dialler speaks first, the listener checks the
 * hello (protocol, version, cluster, id) and answers with its own or a reject.
 */
export interface HandshakeSettings {
  readonly selfId: string;
  readonly clusterId: string;
  readonly maxMessageBytes: number;
  readonly handshakeTimeoutMs: number;
  readonly tracer: Tracer;
}

export const CLOSE_REJECTED = 4001;

/**
 * Listener side: resolve the dialler's identity, or reject it and close.
 * `admit` decides, once the dialler is identified and before this side
 * answers, whether it may stay (connection budgets); a refusal is sent as a
 * reject frame with its error.
 */
export function answerHandshake(
  socket: WebSocket,
  settings: HandshakeSettings,
  admit: (peerId: string) => BlixardError | null,
  authenticated: (peerId: string) => void,
  settled: () => void,
): void {
  const timer = setTimeout(() => {
    settings.tracer.warn("net.handshake-timeout", { direction: "inbound", timeoutMs: settings.handshakeTimeoutMs });
    socket.terminate();
  }, settings.handshakeTimeoutMs);
  const onError = (error: Error) => settings.tracer.warn("net.socket-error", { direction: "inbound", error: error.message });
  socket.on("error", onError);
  socket.once("close", () => {
    clearTimeout(timer);
    settled();
  });
  socket.once("message", (data, isBinary) => {
    clearTimeout(timer);
    settled();
    socket.off("error", onError);
    // The connection's owner reports errors from here on; this keeps ws from throwing meanwhile.
    socket.on("error", () => {});
    const hello = decodeHello(toBytes(data, isBinary), { clusterId: settings.clusterId, selfId: settings.selfId, expectedId: undefined });
    if (!hello.ok) return reject(socket, settings, hello.error);
    if (hello.value.endpointId === settings.selfId) return reject(socket, settings, selfConnection(settings.selfId));
    const refused = admit(hello.value.endpointId);
    if (refused !== null) return reject(socket, settings, refused);
    socket.send(encodeHello({ clusterId: settings.clusterId, endpointId: settings.selfId }), { binary: true });
    authenticated(hello.value.endpointId);
  });
}

export interface DialOutcome {
  authenticated(socket: WebSocket): void;
  failed(error: BlixardError): void;
}

/** Dialler side: connect to `url`, expect `expectedId` there; exactly one outcome callback fires. */
export function openHandshake(url: string, expectedId: string, settings: HandshakeSettings, outcome: DialOutcome): WebSocket {
  const socket = new WebSocket(url, { maxPayload: settings.maxMessageBytes + 1, handshakeTimeout: settings.handshakeTimeoutMs, perMessageDeflate: false });
  let error: BlixardError = blixardError("peer-unreachable", `connection to ${expectedId} at ${url} closed during the handshake`);
  let done = false;
  // ws bounds the HTTP upgrade; this bounds the hello answer too, so a mute listener cannot wedge the dial.
  const timer = setTimeout(() => {
    error = blixardError("handshake-timeout", `${expectedId} at ${url} did not complete the handshake within ${settings.handshakeTimeoutMs} ms`);
    socket.terminate();
  }, settings.handshakeTimeoutMs);
  socket.on("error", (cause) => {
    error = blixardError("peer-unreachable", `cannot reach ${expectedId} at ${url}: ${cause.message}`, { hint: "is the node running and the address right?" });
  });
  socket.once("open", () => socket.send(encodeHello({ clusterId: settings.clusterId, endpointId: settings.selfId }), { binary: true }));
  socket.once("message", (data, isBinary) => {
    const frame = toBytes(data, isBinary);
    const hello = decodeHello(frame, { clusterId: settings.clusterId, selfId: settings.selfId, expectedId });
    if (frame[0] === FRAME_REJECT || !hello.ok) {
      error = frame[0] === FRAME_REJECT ? decodeReject(frame) : hello.ok ? error : hello.error;
      settings.tracer.warn("net.handshake-rejected", { direction: "outbound", peer: expectedId, code: error.code, message: error.message });
      socket.close(CLOSE_REJECTED, error.code);
      return;
    }
    done = true;
    clearTimeout(timer);
    outcome.authenticated(socket);
  });
  socket.once("close", () => {
    clearTimeout(timer);
    if (!done) outcome.failed(error);
  });
  return socket;
}

function reject(socket: WebSocket, settings: HandshakeSettings, error: BlixardError): void {
  settings.tracer.warn("net.handshake-rejected", { direction: "inbound", code: error.code, message: error.message });
  if (socket.readyState === WebSocket.OPEN) socket.send(encodeReject(error), { binary: true });
  socket.close(CLOSE_REJECTED, error.code);
}

function selfConnection(selfId: string): BlixardError {
  return blixardError("self-connection", `an endpoint announced this node's own id ${selfId}`, {
    hint: "two nodes share one id, or a node lists itself as a peer",
  });
}

/** A frame as bytes; text frames become empty, which no decoder accepts. */
export function toBytes(data: RawData, isBinary: boolean): Uint8Array {
  if (!isBinary) return new Uint8Array(0);
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
