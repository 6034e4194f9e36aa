import type { BlixardError, RandomSource } from "@blixard/core";
import type { WebSocket } from "ws";

/** One authenticated WebSocket and which side dialled it (for the duplicate tie-break). */
export interface PeerConnection {
  readonly socket: WebSocket;
  readonly dialledBySelf: boolean;
  /** Cleared on each keepalive ping, set by the pong; still false at the next ping means dead. */
  alive: boolean;
}

/**
 * Everything this endpoint knows about one remote endpoint. Links with a `url`
 * are peers we may dial; links without one are clients (or nodes not in our
 * peer list) reachable only over the connection they opened to us.
 */
export interface PeerLink {
  readonly peerId: string;
  url: string | undefined;
  active: PeerConnection | undefined;
  /** Outbound socket still opening or handshaking. */
  dialling: WebSocket | undefined;
  retryTimer: NodeJS.Timeout | undefined;
  /** Frames (already encoded) waiting for a connection, oldest first. */
  readonly queue: Uint8Array[];
  /** Dial attempts failed in a row since the last successful handshake. */
  failuresInRow: number;
  lastError: BlixardError | undefined;
}

export function newPeerLink(peerId: string, url: string | undefined): PeerLink {
  return { peerId, url, active: undefined, dialling: undefined, retryTimer: undefined, queue: [], failuresInRow: 0, lastError: undefined };
}

/**
 * Queue a frame while disconnected. Policy: drop-OLDEST when full — for Raft a
 * newer heartbeat or append supersedes an older one, and the protocol already
 * tolerates loss. Returns how many frames were dropped (0 or 1).
 */
export function enqueueDropOldest(link: PeerLink, frame: Uint8Array, maxQueuedMessages: number): number {
  let dropped = 0;
  while (link.queue.length >= maxQueuedMessages && link.queue.length > 0) {
    link.queue.shift();
    dropped++;
  }
  if (maxQueuedMessages > 0) link.queue.push(frame);
  else dropped++;
  return dropped;
}

/**
 * Exponential backoff with "equal jitter": half the delay fixed, half random,
 * so peers that failed together do not retry in lockstep.
 */
export function reconnectDelayMs(failuresInRow: number, initialMs: number, maxMs: number, random: RandomSource): number {
  const exponent = Math.min(Math.max(failuresInRow - 1, 0), 30);
  const ceilingMs = Math.min(maxMs, initialMs * 2 ** exponent);
  const halfMs = Math.floor(ceilingMs / 2);
  return halfMs + random.nextInt(0, Math.max(0, Math.ceil(ceilingMs) - halfMs));
}

/**
 * Of two live connections between the same pair, keep the one dialled by the
 * smaller id; both ends apply the same rule, so they agree without talking.
 * Returns true if `incoming` should replace `current`.
 */
export function shouldReplace(current: PeerConnection, incoming: PeerConnection, selfId: string, peerId: string): boolean {
  const selfIsPreferredDialler = selfId < peerId;
  const currentPreferred = current.dialledBySelf === selfIsPreferredDialler;
  const incomingPreferred = incoming.dialledBySelf === selfIsPreferredDialler;
  // A newer connection from the same side replaces the old one (the peer restarted or redialled).
  return incomingPreferred || !currentPreferred;
}
