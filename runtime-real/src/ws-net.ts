import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { type BlixardError, type EndpointId, type NetEndpoint, type RandomSource, type Tracer } from "@blixard/core";
import { encodeData, FRAME_DATA, isValidEndpointId } from "./ws-frames";
import { answerHandshake, openHandshake, toBytes, type HandshakeSettings } from "./ws-handshake";
import { enqueueDropOldest, newPeerLink, reconnectDelayMs, shouldReplace, type PeerConnection, type PeerLink } from "./peer-link";

/**
 * NetEndpoint port over WebSockets (ws). A node listens on one port for peers
 * and clients alike and dials peers lazily, on first send, with bounded
 * exponential backoff. Every connection starts with a hello each way carrying
 * cluster id, protocol version and endpoint id; that id is the `from` given to
 * the receive handler. Delivery is best effort, as the port promises: frames
 * wait in a bounded per-peer queue while disconnected (drop-oldest) and are
 * lost if a connection dies under them.
 */
export interface WsNetOptions {
  readonly selfId: EndpointId;
  readonly clusterId: string;
  readonly tracer: Tracer;
  /** Backoff jitter source. */
  readonly random: RandomSource;
  /** Where to listen; omit for a client endpoint that only dials. Port 0 picks a free port. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** Dialable peers: endpoint id → ws://host:port. */
  readonly peers?: Readonly<Record<EndpointId, string>>;
  readonly maxMessageBytes?: number;
  readonly maxQueuedMessages?: number;
  /** Bytes the socket may buffer unsent before further sends to that peer are dropped. */
  readonly maxBufferedBytes?: number;
  readonly reconnectDelayMsInitial?: number;
  readonly reconnectDelayMsMax?: number;
  readonly handshakeTimeoutMs?: number;
  readonly keepaliveIntervalMs?: number;
  readonly maxInboundConnections?: number;
}

export interface PeerStatus {
  readonly connected: boolean;
  /** Which side dialled the live connection; "none" when disconnected. */
  readonly direction: "outbound" | "inbound" | "none";
  readonly queuedMessages: number;
  readonly lastError: BlixardError | undefined;
}

const CLOSE_DUPLICATE = 4009;
const CLOSE_PROTOCOL = 4002;
const CLOSE_SHUTDOWN = 1001;
/** Longer peer URLs are refused: the replicated directory allows 256 characters. */
const PEER_URL_LENGTH_MAX = 256;
/** How long close() waits for peers to acknowledge the close frame before cutting the sockets. */
const CLOSE_WAIT_MS = 200;

type Settings = Required<Omit<WsNetOptions, "listen" | "peers" | "tracer" | "random">>;

export class WsNet implements NetEndpoint {
  readonly selfId: EndpointId;
  private readonly settings: Settings;
  private readonly tracer: Tracer;
  private readonly random: RandomSource;
  private readonly links = new Map<EndpointId, PeerLink>();
  private readonly pendingInbound = new Set<WebSocket>();
  private handler: (from: EndpointId, payload: Uint8Array) => void = () => {};
  private server: WebSocketServer | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(options: WsNetOptions) {
    this.selfId = options.selfId;
    this.tracer = options.tracer;
    this.random = options.random;
    this.settings = {
      selfId: options.selfId,
      clusterId: options.clusterId,
      maxMessageBytes: options.maxMessageBytes ?? 8 * 1024 * 1024 + 8,
      maxQueuedMessages: options.maxQueuedMessages ?? 1_024,
      maxBufferedBytes: options.maxBufferedBytes ?? 64 * 1024 * 1024,
      reconnectDelayMsInitial: options.reconnectDelayMsInitial ?? 50,
      reconnectDelayMsMax: options.reconnectDelayMsMax ?? 2_000,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 5_000,
      keepaliveIntervalMs: options.keepaliveIntervalMs ?? 5_000,
      maxInboundConnections: options.maxInboundConnections ?? 1_024,
    };
    for (const [peerId, url] of Object.entries(options.peers ?? {})) this.addPeer(peerId, url);
  }

  /** Start listening (if `listen` is given); resolves once the port is bound. */
  static async start(options: WsNetOptions): Promise<WsNet> {
    if (!isValidEndpointId(options.selfId)) throw new RangeError(`WsNet: invalid endpoint id ${JSON.stringify(options.selfId)}`);
    const net = new WsNet(options);
    if (options.listen !== undefined) await net.listen(options.listen.host, options.listen.port);
    net.keepaliveTimer = setInterval(() => net.keepalive(), net.settings.keepaliveIntervalMs);
    net.keepaliveTimer.unref();
    return net;
  }

  /**
   * A client endpoint (CLI): no listener, id "client-<16 hex>" drawn from `random`;
   * nodes answer it over the connection it opens.
   */
  static startClient(options: Omit<WsNetOptions, "selfId" | "listen">): Promise<WsNet> {
    const hex = [options.random.nextUint32(), options.random.nextUint32()].map((word) => word.toString(16).padStart(8, "0")).join("");
    return WsNet.start({ ...options, selfId: `client-${hex}` });
  }

  /** The bound listen address, or undefined for a client endpoint. */
  address(): { host: string; port: number } | undefined {
    const info = this.server?.address() as AddressInfo | null | undefined;
    return info ? { host: info.address, port: info.port } : undefined;
  }

  /** Learn (or change) a peer's address, e.g. after a membership change. */
  addPeer(peerId: EndpointId, url: string): void {
    if (peerId === this.selfId) return;
    const link = this.links.get(peerId);
    if (link === undefined) this.links.set(peerId, newPeerLink(peerId, url));
    else link.url = url;
  }

  /**
   * NetEndpoint.learnPeer: the replicated peer directory says where `id` is.
   * Never throws: a bad id or URL is traced and ignored; this node's own id is
   * skipped (never dial yourself). A changed address restarts the backoff, and
   * frames already waiting are dialled for at once.
   */
  learnPeer(id: EndpointId, address: string): void {
    if (id === this.selfId) return;
    const url = peerUrl(address);
    if (!isValidEndpointId(id) || url === null) {
      this.tracer.warn("net.learn-peer-rejected", { peer: id.slice(0, 128), address: address.slice(0, 300), reason: url === null ? "not a ws:// or wss:// host:port URL" : "invalid endpoint id" });
      return;
    }
    const link = this.links.get(id);
    if (link?.url === url) return;
    this.tracer.event("net.peer-learned", { peer: id, url, previous: link?.url ?? null });
    this.addPeer(id, url);
    const learned = this.links.get(id);
    if (learned === undefined) return;
    learned.failuresInRow = 0;
    if (learned.queue.length > 0) this.ensureDialling(learned);
  }

  peerStatus(peerId: EndpointId): PeerStatus | undefined {
    const link = this.links.get(peerId);
    if (link === undefined) return undefined;
    const connected = isOpen(link.active);
    const direction = !connected ? "none" : link.active?.dialledBySelf ? "outbound" : "inbound";
    return { connected, direction, queuedMessages: link.queue.length, lastError: link.lastError };
  }

  onReceive(handler: (from: EndpointId, payload: Uint8Array) => void): void {
    this.handler = handler;
  }

  send(to: EndpointId, payload: Uint8Array): void {
    try {
      this.sendOrQueue(to, payload);
    } catch (error) {
      // send() never throws: a socket that failed mid-write is a lost message, which the port allows.
      this.tracer.warn("net.send-failed", { to, error: String(error) });
    }
  }

  /** Close every connection and the listener; pending frames are discarded. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.keepaliveTimer !== undefined) clearInterval(this.keepaliveTimer);
    const closing: Promise<void>[] = [];
    for (const link of this.links.values()) {
      if (link.retryTimer !== undefined) clearTimeout(link.retryTimer);
      link.dialling?.terminate();
      link.queue.length = 0;
      const socket = link.active?.socket;
      if (socket === undefined || socket.readyState === WebSocket.CLOSED) continue;
      closing.push(new Promise((resolve) => socket.once("close", () => resolve())));
      socket.close(CLOSE_SHUTDOWN, "shutdown");
    }
    for (const socket of this.pendingInbound) socket.terminate();
    // Say goodbye (peers then skip the "disconnected" trace), but never wait on a peer for long.
    await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    for (const link of this.links.values()) link.active?.socket.terminate();
    const server = this.server;
    if (server === undefined) return;
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private sendOrQueue(to: EndpointId, payload: Uint8Array): void {
    if (this.closed) return;
    if (payload.length > this.settings.maxMessageBytes) {
      this.tracer.warn("net.send-oversize", { to, bytes: payload.length, maxMessageBytes: this.settings.maxMessageBytes });
      return;
    }
    const link = this.links.get(to);
    if (link === undefined) {
      this.tracer.warn("net.send-unknown-peer", { to });
      return;
    }
    const frame = encodeData(payload);
    if (link.active !== undefined && isOpen(link.active)) {
      this.write(link, link.active.socket, frame);
      return;
    }
    if (link.url === undefined) {
      this.tracer.warn("net.send-unreachable", { to, reason: "no connection from this client and no address to dial" });
      return;
    }
    const dropped = enqueueDropOldest(link, frame, this.settings.maxQueuedMessages);
    if (dropped > 0) this.tracer.warn("net.queue-overflow", { to, dropped, maxQueuedMessages: this.settings.maxQueuedMessages });
    this.ensureDialling(link);
  }

  private write(link: PeerLink, socket: WebSocket, frame: Uint8Array): void {
    if (socket.bufferedAmount + frame.length > this.settings.maxBufferedBytes) {
      this.tracer.warn("net.send-backpressure", { to: link.peerId, bufferedBytes: socket.bufferedAmount });
      return;
    }
    socket.send(frame, { binary: true });
  }

  // ---- listening side -------------------------------------------------------

  private async listen(host: string, port: number): Promise<void> {
    const server = new WebSocketServer({ host, port, maxPayload: this.settings.maxMessageBytes + 1 });
    this.server = server;
    server.on("connection", (socket) => this.acceptInbound(socket));
    server.on("error", (error) => this.tracer.warn("net.server-error", { error: error.message }));
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
  }

  private acceptInbound(socket: WebSocket): void {
    // ws tracks every accepted socket in server.clients (this one included).
    if (this.closed || (this.server?.clients.size ?? 0) > this.settings.maxInboundConnections) {
      socket.close(1013, "too many connections");
      return;
    }
    this.pendingInbound.add(socket);
    answerHandshake(
      socket,
      this.handshakeSettings(),
      (peerId) => {
        const link = this.links.get(peerId) ?? newPeerLink(peerId, undefined);
        this.links.set(peerId, link);
        this.adopt(link, { socket, dialledBySelf: false, alive: true });
      },
      () => this.pendingInbound.delete(socket),
    );
  }

  // ---- dialling side --------------------------------------------------------

  private ensureDialling(link: PeerLink): void {
    if (this.closed || link.url === undefined || link.dialling !== undefined || link.retryTimer !== undefined) return;
    if (isOpen(link.active)) return;
    link.dialling = openHandshake(link.url, link.peerId, this.handshakeSettings(), {
      authenticated: (socket) => {
        link.dialling = undefined;
        link.failuresInRow = 0;
        link.lastError = undefined;
        this.adopt(link, { socket, dialledBySelf: true, alive: true });
      },
      failed: (error) => {
        link.dialling = undefined;
        link.lastError = error;
        this.scheduleRedial(link);
      },
    });
  }

  private handshakeSettings(): HandshakeSettings {
    const { clusterId, maxMessageBytes, handshakeTimeoutMs } = this.settings;
    return { selfId: this.selfId, clusterId, maxMessageBytes, handshakeTimeoutMs, tracer: this.tracer };
  }

  private scheduleRedial(link: PeerLink): void {
    if (this.closed || link.retryTimer !== undefined) return;
    link.failuresInRow++;
    const delayMs = reconnectDelayMs(link.failuresInRow, this.settings.reconnectDelayMsInitial, this.settings.reconnectDelayMsMax, this.random);
    const error = link.lastError;
    this.tracer.warn("net.dial-failed", { peer: link.peerId, code: error?.code, error: error?.message, retryInMs: delayMs, queued: link.queue.length });
    link.retryTimer = setTimeout(() => {
      link.retryTimer = undefined;
      // Lazy: only redial while something waits to go out; the next send() dials otherwise.
      if (link.queue.length > 0) this.ensureDialling(link);
    }, delayMs);
  }

  // ---- both sides -----------------------------------------------------------

  private adopt(link: PeerLink, connection: PeerConnection): void {
    const current = link.active;
    if (isOpen(current) && current !== undefined) {
      if (!shouldReplace(current, connection, this.selfId, link.peerId)) {
        connection.socket.close(CLOSE_DUPLICATE, "duplicate connection");
        return;
      }
      current.socket.close(CLOSE_DUPLICATE, "duplicate connection");
    }
    link.active = connection;
    const { socket } = connection;
    this.tracer.event("net.connected", { peer: link.peerId, dialledBySelf: connection.dialledBySelf });
    socket.on("message", (data, isBinary) => this.receive(link, connection, toBytes(data, isBinary), isBinary));
    socket.on("pong", () => (connection.alive = true));
    socket.on("error", (error: Error & { code?: string }) => {
      // ws closes the connection itself after any of these; we only record why.
      const tooLarge = error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH";
      this.tracer.warn(tooLarge ? "net.frame-too-large" : "net.socket-error", {
        peer: link.peerId, error: error.message, maxMessageBytes: this.settings.maxMessageBytes,
      });
    });
    socket.once("close", (code, reason) => this.onConnectionClosed(link, connection, code, reason.toString()));
    const queued = link.queue.splice(0, link.queue.length);
    for (const frame of queued) this.write(link, socket, frame);
  }

  private receive(link: PeerLink, connection: PeerConnection, frame: Uint8Array, isBinary: boolean): void {
    // A connection losing the duplicate tie-break may still carry a few frames: they are authenticated, keep them.
    if (!isBinary || frame[0] !== FRAME_DATA) {
      const kind = isBinary ? `frame kind ${String(frame[0])}` : "a text frame";
      this.tracer.warn("net.protocol-violation", { peer: link.peerId, detail: `${kind} after the handshake` });
      connection.socket.close(CLOSE_PROTOCOL, "protocol violation");
      return;
    }
    this.handler(link.peerId, frame.slice(1));
  }

  private onConnectionClosed(link: PeerLink, connection: PeerConnection, code: number, reason: string): void {
    if (code !== CLOSE_DUPLICATE && code !== CLOSE_SHUTDOWN) {
      this.tracer.event("net.disconnected", { peer: link.peerId, code, reason: reason.slice(0, 200) });
    }
    if (link.active !== connection) return;
    link.active = undefined;
    if (link.url === undefined) {
      // A client (or unlisted node) is reachable only over its own connection: forget it.
      this.links.delete(link.peerId);
      return;
    }
    if (link.queue.length > 0) this.ensureDialling(link);
  }

  private keepalive(): void {
    for (const link of this.links.values()) {
      const connection = link.active;
      if (connection === undefined || !isOpen(connection)) continue;
      if (!connection.alive) {
        this.tracer.warn("net.keepalive-timeout", { peer: link.peerId, intervalMs: this.settings.keepaliveIntervalMs });
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }
}

/** A dialable ws:// or wss:// URL with a host and a port, normalised; null otherwise. */
function peerUrl(address: string): string | null {
  if (address.length > PEER_URL_LENGTH_MAX) return null;
  let parsed: URL;
  try {
    parsed = new URL(address);
  } catch {
    return null;
  }
  const plain = parsed.pathname === "/" && parsed.search === "" && parsed.hash === "" && parsed.username === "" && parsed.password === "";
  if ((parsed.protocol !== "ws:" && parsed.protocol !== "wss:") || parsed.hostname === "" || !plain) return null;
  return `${parsed.protocol}//${parsed.host}`;
}

function isOpen(connection: PeerConnection | undefined): boolean {
  return connection !== undefined && connection.socket.readyState === WebSocket.OPEN;
}
