import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { blixardError, type BlixardError, type EndpointId, type NetEndpoint, type RandomSource, type Tracer } from "@blixard/core";
import { InboundScheduler, type InboundSource } from "./inbound-scheduler";
import { ConnectionBudget, DEFAULT_ADMISSION_LIMITS, PendingConnections, type AdmissionLimits, type AdmissionOutcome, type AdmittedConnection, type ConnectionClass } from "./ws-admission";
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
 *
 * Overload isolation (see ws-admission.ts and inbound-scheduler.ts): accepted
 * connections are bounded before and after they say who they are, with
 * separate budgets for peers and clients; frames the `urgent` predicate picks
 * (Raft) from peers reach the handler at once, all others wait their turn in
 * a fair per-connection queue, and a client that sends faster than the node
 * takes its frames is not read until it catches up.
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
  /** Connection budgets and the pre-upgrade deadline (ws-admission.ts). */
  readonly admission?: Partial<AdmissionLimits>;
  /** Non-urgent frames a client connection may have waiting before it is not read any more. */
  readonly maxQueuedInboundFrames?: number;
  /** Non-urgent frames a peer connection may have waiting; past it they are dropped (a peer is never paused). */
  readonly maxQueuedInboundPeerFrames?: number;
  /** Non-urgent frames handed to the handler per turn of the event loop, at most... */
  readonly maxInboundFramesPerTurn?: number;
  /** ...and milliseconds spent handling them per turn, at most. */
  readonly maxInboundTurnMs?: number;
  /** Frames from peers that go to the handler at once (Raft). Default: none; every frame takes its turn. */
  readonly urgent?: (payload: Uint8Array) => boolean;
  /** Counts for metrics: frames and bytes per peer, rejections by reason. */
  readonly observer?: NetObserver;
  /**
   * Frames waiting for a peer are dropped when a dial to it fails, and no
   * redial follows until the next send (a client: it retries elsewhere on its
   * own). Default false: frames wait for the redial (nodes).
   */
  readonly dropQueuedOnDialFailure?: boolean;
  /**
   * Plain HTTP requests on the listen port (not WebSocket upgrades) go here —
   * a node serves /metrics, /health and /ready this way. Default: 426.
   */
  readonly httpHandler?: (request: IncomingMessage, response: ServerResponse) => void;
}

/** What the transport reports for metrics; every method optional, none may throw. */
export interface NetObserver {
  frameReceived?(peerId: EndpointId, connectionClass: ConnectionClass, bytes: number): void;
  frameSent?(peerId: EndpointId, connectionClass: ConnectionClass, bytes: number): void;
  /** A frame dropped or refused: oversize, protocol-violation, inbound-queue-full, send-backpressure, queue-overflow, unreachable. */
  frameRejected?(reason: string): void;
  /** A connection closed or refused by admission. */
  connectionRefused?(outcome: AdmissionOutcome): void;
  /** A client connection stopped being read (its queue filled) or resumed. */
  flowChanged?(peerId: EndpointId, paused: boolean): void;
}

export interface PeerStatus {
  readonly connected: boolean;
  /** Which side dialled the live connection; "none" when disconnected. */
  readonly direction: "outbound" | "inbound" | "none";
  readonly queuedMessages: number;
  readonly lastError: BlixardError | undefined;
}

const CLOSE_DUPLICATE = 4009;
/** "Try again later": the connection was closed to make room (an idle client evicted). */
const CLOSE_TRY_AGAIN = 1013;
const CLOSE_PROTOCOL = 4002;
const CLOSE_SHUTDOWN = 1001;
/** Longer peer URLs are refused: the replicated directory allows 256 characters. */
const PEER_URL_LENGTH_MAX = 256;
/** How long close() waits for peers to acknowledge the close frame before cutting the sockets. */
const CLOSE_WAIT_MS = 200;

type Settings = Required<Omit<WsNetOptions, "listen" | "peers" | "tracer" | "random" | "admission" | "urgent" | "observer" | "httpHandler">>;

/** A connection with what admission and the scheduler need to know about it. */
interface Connection extends PeerConnection, InboundSource, AdmittedConnection {
  lastActiveMs: number;
}

const NO_URGENT = (): boolean => false;

export class WsNet implements NetEndpoint {
  readonly selfId: EndpointId;
  private readonly settings: Settings;
  private readonly tracer: Tracer;
  private readonly random: RandomSource;
  private readonly links = new Map<EndpointId, PeerLink>();
  private readonly pendingInbound = new Set<WebSocket>();
  private handler: (from: EndpointId, payload: Uint8Array) => void = () => {};
  private unreachableHandler: ((peerId: EndpointId, error: BlixardError) => void) | undefined;
  private server: WebSocketServer | undefined;
  private http: HttpServer | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly urgent: (payload: Uint8Array) => boolean;
  private readonly observer: NetObserver;
  private readonly pending: PendingConnections;
  private readonly budget: ConnectionBudget;
  private readonly scheduler: InboundScheduler;

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
      maxQueuedInboundFrames: options.maxQueuedInboundFrames ?? 64,
      maxQueuedInboundPeerFrames: options.maxQueuedInboundPeerFrames ?? 4_096,
      maxInboundFramesPerTurn: options.maxInboundFramesPerTurn ?? 256,
      maxInboundTurnMs: options.maxInboundTurnMs ?? 10,
      dropQueuedOnDialFailure: options.dropQueuedOnDialFailure ?? false,
    };
    this.urgent = options.urgent ?? NO_URGENT;
    this.observer = options.observer ?? {};
    const limits: AdmissionLimits = { ...DEFAULT_ADMISSION_LIMITS, ...options.admission };
    const events = {
      closed: (outcome: AdmissionOutcome, detail: Record<string, string | number>) => {
        this.tracer.warn(`net.${outcome}`, detail);
        this.observer.connectionRefused?.(outcome);
      },
    };
    this.pending = new PendingConnections(limits, events);
    this.budget = new ConnectionBudget(limits, events, () => performance.now());
    this.scheduler = new InboundScheduler({
      maxQueuedFramesPerConnection: this.settings.maxQueuedInboundFrames,
      maxQueuedFramesPerPeer: this.settings.maxQueuedInboundPeerFrames,
      maxFramesPerTurn: this.settings.maxInboundFramesPerTurn,
      maxTurnMs: this.settings.maxInboundTurnMs,
      now: () => performance.now(),
      later: (turn) => void setImmediate(turn),
      deliver: (from, payload) => this.deliver(from, payload),
      dropped: (source, queuedFrames) => {
        this.tracer.warn("net.inbound-queue-full", { peer: source.peerId, queuedFrames });
        this.observer.frameRejected?.("inbound-queue-full");
      },
      flowChanged: (source, paused) => this.observer.flowChanged?.(source.peerId, paused),
    });
    for (const [peerId, url] of Object.entries(options.peers ?? {})) this.addPeer(peerId, url);
  }

  /** Start listening (if `listen` is given); resolves once the port is bound. */
  static async start(options: WsNetOptions): Promise<WsNet> {
    if (!isValidEndpointId(options.selfId)) throw new RangeError(`WsNet: invalid endpoint id ${JSON.stringify(options.selfId)}`);
    const net = new WsNet(options);
    if (options.listen !== undefined) await net.listen(options.listen.host, options.listen.port, options.httpHandler);
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
    const info = this.http?.address() as AddressInfo | null | undefined;
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

  /**
   * NetEndpoint.onUnreachable: a dial to `peerId` failed, or its connection
   * closed under us (not a duplicate being replaced, not a shutdown).
   */
  onUnreachable(handler: (peerId: EndpointId, error: BlixardError) => void): void {
    this.unreachableHandler = handler;
  }

  /** Connections and queues, for metrics gauges. */
  stats(): { pendingConnections: number; peerConnections: number; clientConnections: number; queuedInboundFrames: number } {
    return {
      pendingConnections: this.pending.size,
      peerConnections: this.budget.count("peer"),
      clientConnections: this.budget.count("client"),
      queuedInboundFrames: this.scheduler.queuedFrames,
    };
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
    this.pending.destroyAll();
    // Say goodbye (peers then skip the "disconnected" trace), but never wait on a peer for long.
    await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    for (const link of this.links.values()) link.active?.socket.terminate();
    const server = this.server;
    const http = this.http;
    if (server === undefined || http === undefined) return;
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
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
      this.observer.frameRejected?.("unknown-peer");
      return;
    }
    const frame = encodeData(payload);
    if (link.active !== undefined && isOpen(link.active)) {
      this.write(link, link.active as Connection, frame);
      return;
    }
    if (link.url === undefined) {
      this.tracer.warn("net.send-unreachable", { to, reason: "no connection from this client and no address to dial" });
      this.observer.frameRejected?.("unreachable");
      return;
    }
    const dropped = enqueueDropOldest(link, frame, this.settings.maxQueuedMessages);
    if (dropped > 0) {
      this.tracer.warn("net.queue-overflow", { to, dropped, maxQueuedMessages: this.settings.maxQueuedMessages });
      this.observer.frameRejected?.("queue-overflow");
    }
    this.ensureDialling(link);
  }

  private write(link: PeerLink, connection: Connection, frame: Uint8Array): void {
    const { socket } = connection;
    if (socket.bufferedAmount + frame.length > this.settings.maxBufferedBytes) {
      this.tracer.warn("net.send-backpressure", { to: link.peerId, bufferedBytes: socket.bufferedAmount });
      this.observer.frameRejected?.("send-backpressure");
      return;
    }
    connection.lastActiveMs = performance.now();
    socket.send(frame, { binary: true });
    this.observer.frameSent?.(link.peerId, connection.connectionClass, frame.length);
  }

  // ---- listening side -------------------------------------------------------

  private async listen(host: string, port: number, httpHandler: WsNetOptions["httpHandler"]): Promise<void> {
    // Our own HTTP server, so a TCP connection is admitted (and timed) from its accept, before any upgrade.
    const http = createServer(
      httpHandler ??
        ((_request, response) => {
          response.writeHead(426, { "content-type": "text/plain", connection: "close" }).end("this is a Blixard node: WebSocket only\n");
        }),
    );
    const server = new WebSocketServer({ noServer: true, maxPayload: this.settings.maxMessageBytes + 1, perMessageDeflate: false });
    this.http = http;
    this.server = server;
    http.on("connection", (socket: Socket) => this.pending.accepted(socket));
    http.on("upgrade", (request, socket: Socket, head) => {
      if (this.closed) {
        socket.destroy();
        return;
      }
      this.pending.upgraded(socket);
      server.handleUpgrade(request, socket, head, (ws) => this.acceptInbound(ws, socket));
    });
    http.on("clientError", (_error, socket: Socket) => socket.destroy());
    server.on("error", (error) => this.tracer.warn("net.server-error", { error: error.message }));
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(port, host, () => {
        http.off("error", reject);
        http.on("error", (error) => this.tracer.warn("net.server-error", { error: error.message }));
        resolve();
      });
    });
  }

  private acceptInbound(socket: WebSocket, tcp: Socket): void {
    if (this.closed) {
      socket.terminate();
      return;
    }
    this.pendingInbound.add(socket);
    let admitted: Connection | undefined;
    answerHandshake(
      socket,
      this.handshakeSettings(),
      (peerId) => {
        this.pending.settled(tcp);
        const connection = this.newConnection(peerId, socket, false, this.classOf(peerId));
        const refused = this.budget.admit(connection);
        if (refused !== null) return refused;
        admitted = connection;
        socket.once("close", () => this.budget.release(connection));
        return null;
      },
      (peerId) => {
        const link = this.links.get(peerId) ?? newPeerLink(peerId, undefined);
        this.links.set(peerId, link);
        if (admitted !== undefined) this.adopt(link, admitted);
      },
      () => this.pendingInbound.delete(socket),
    );
  }

  /** Peers are the nodes this endpoint has an address for; every other endpoint counts as a client. */
  private classOf(peerId: EndpointId): ConnectionClass {
    return this.links.get(peerId)?.url === undefined ? "client" : "peer";
  }

  private newConnection(peerId: EndpointId, socket: WebSocket, dialledBySelf: boolean, connectionClass: ConnectionClass): Connection {
    return {
      socket,
      dialledBySelf,
      alive: true,
      peerId,
      connectionClass,
      pausable: connectionClass === "client",
      lastActiveMs: performance.now(),
      pause: () => socket.pause(),
      resume: () => socket.resume(),
      evict: (reason) => {
        this.tracer.event("net.evicted", { peer: peerId, reason });
        socket.close(CLOSE_TRY_AGAIN, "evicted: idle while the client budget was full");
      },
    };
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
        this.adopt(link, this.newConnection(link.peerId, socket, true, "peer"));
      },
      failed: (error) => {
        link.dialling = undefined;
        link.lastError = error;
        if (this.settings.dropQueuedOnDialFailure && link.queue.length > 0) {
          this.observer.frameRejected?.("unreachable");
          link.queue.length = 0;
        }
        this.scheduleRedial(link);
        this.unreachableHandler?.(link.peerId, error);
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

  private adopt(link: PeerLink, connection: Connection): void {
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
    socket.once("close", () => this.scheduler.remove(connection));
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
    for (const frame of queued) this.write(link, connection, frame);
  }

  private receive(link: PeerLink, connection: Connection, frame: Uint8Array, isBinary: boolean): void {
    // A connection losing the duplicate tie-break may still carry a few frames: they are authenticated, keep them.
    if (!isBinary || frame[0] !== FRAME_DATA) {
      const kind = isBinary ? `frame kind ${String(frame[0])}` : "a text frame";
      this.tracer.warn("net.protocol-violation", { peer: link.peerId, detail: `${kind} after the handshake` });
      this.observer.frameRejected?.("protocol-violation");
      connection.socket.close(CLOSE_PROTOCOL, "protocol violation");
      return;
    }
    connection.lastActiveMs = performance.now();
    this.observer.frameReceived?.(link.peerId, connection.connectionClass, frame.length);
    const payload = frame.slice(1);
    // Only a peer's Raft frames skip the queue: a client cannot jump it by sending Raft-shaped bytes.
    if (connection.connectionClass === "peer" && this.urgent(payload)) this.deliver(link.peerId, payload);
    else this.scheduler.enqueue(connection, payload);
  }

  private deliver(from: EndpointId, payload: Uint8Array): void {
    if (this.closed) return;
    this.handler(from, payload);
  }

  private onConnectionClosed(link: PeerLink, connection: Connection, code: number, reason: string): void {
    const unexpected = code !== CLOSE_DUPLICATE && code !== CLOSE_SHUTDOWN;
    if (unexpected) this.tracer.event("net.disconnected", { peer: link.peerId, code, reason: reason.slice(0, 200) });
    if (link.active !== connection) return;
    link.active = undefined;
    if (unexpected && !this.closed) {
      const why = reason === "" ? `code ${code}` : `${reason.slice(0, 200)} (code ${code})`;
      this.unreachableHandler?.(link.peerId, blixardError("connection-closed", `the connection to ${link.peerId} closed: ${why}`, { hint: "the node may have stopped or restarted" }));
    }
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
