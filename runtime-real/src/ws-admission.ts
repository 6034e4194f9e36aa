import type { Socket } from "node:net";
import { blixardError, type BlixardError } from "@blixard/core";

/**
 * Who may hold a connection to this node, and for how long without saying
 * who it is. Two stages, each bounded:
 *
 * 1. **Pending** — from the TCP accept until the endpoint is identified (HTTP
 *    upgrade, then the hello or, later, an authenticated handshake). At most
 *    `maxPendingConnections`; a newcomer past that closes the OLDEST pending
 *    connection, so idle sockets cannot lock anyone out: an honest dialler
 *    finishes in milliseconds, long before it would be the oldest. A socket
 *    that has not sent its upgrade within `upgradeTimeoutMs` is closed.
 * 2. **Admitted** — identified endpoints, counted per class in separate
 *    budgets: `peer` (a node this one knows an address for) and `client`
 *    (everything else). Clients can never take a peer's slot. When the client
 *    budget is full, a newcomer closes the client idle the longest, if it has
 *    been idle at least `clientIdleEvictMs`; otherwise it is refused with
 *    `overloaded`.
 *
 * The handshake itself is not here: the listener calls `pending.upgraded`
 * once the upgrade arrives and `budget.admit` once the handshake names the
 * endpoint, whatever handshake that is.
 */
export interface AdmissionLimits {
  readonly maxPendingConnections: number;
  readonly upgradeTimeoutMs: number;
  readonly maxPeerConnections: number;
  readonly maxClientConnections: number;
  readonly clientIdleEvictMs: number;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  maxPendingConnections: 512,
  upgradeTimeoutMs: 3_000,
  maxPeerConnections: 128,
  maxClientConnections: 1_024,
  clientIdleEvictMs: 1_000,
};

export type ConnectionClass = "peer" | "client";

/** Why a connection was closed or refused by admission (a metrics label; stable). */
export type AdmissionOutcome = "pending-evicted" | "upgrade-timeout" | "peer-budget-full" | "client-budget-full" | "client-evicted";

export interface AdmissionEvents {
  closed(outcome: AdmissionOutcome, detail: Record<string, string | number>): void;
}

interface PendingEntry {
  readonly socket: Socket;
  timer: NodeJS.Timeout | undefined;
}

/** Stage 1: accepted TCP connections that have not yet said who they are. */
export class PendingConnections {
  /** Insertion order is age order: the first entry is the oldest. */
  private readonly entries = new Map<Socket, PendingEntry>();

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly events: AdmissionEvents,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** A TCP connection was accepted; no byte has been read yet. */
  accepted(socket: Socket): void {
    while (this.entries.size >= this.limits.maxPendingConnections) {
      const oldest = this.entries.keys().next().value as Socket | undefined;
      if (oldest === undefined) break;
      this.settled(oldest);
      oldest.destroy();
      this.events.closed("pending-evicted", { maxPendingConnections: this.limits.maxPendingConnections });
    }
    const timer = setTimeout(() => {
      if (!this.entries.has(socket)) return;
      this.settled(socket);
      socket.destroy();
      this.events.closed("upgrade-timeout", { upgradeTimeoutMs: this.limits.upgradeTimeoutMs });
    }, this.limits.upgradeTimeoutMs);
    timer.unref();
    this.entries.set(socket, { socket, timer });
    socket.once("close", () => this.settled(socket));
  }

  /** The HTTP upgrade arrived: no upgrade deadline any more (the handshake has its own); still pending. */
  upgraded(socket: Socket): void {
    const entry = this.entries.get(socket);
    if (entry?.timer === undefined) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
  }

  /** The endpoint was identified (or the socket closed): it no longer counts as pending. */
  settled(socket: Socket): void {
    const entry = this.entries.get(socket);
    if (entry === undefined) return;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    this.entries.delete(socket);
  }

  /** Close every pending socket (shutdown). */
  destroyAll(): void {
    for (const socket of [...this.entries.keys()]) {
      this.settled(socket);
      socket.destroy();
    }
  }
}

/** An identified inbound connection, as the budget sees it. */
export interface AdmittedConnection {
  readonly connectionClass: ConnectionClass;
  /** Last time a frame went either way (monotonic ms). */
  readonly lastActiveMs: number;
  /** Close it to make room for a newcomer. */
  evict(reason: string): void;
}

/** Stage 2: identified connections, per class. */
export class ConnectionBudget {
  private readonly admitted = new Set<AdmittedConnection>();
  private readonly counts: Record<ConnectionClass, number> = { peer: 0, client: 0 };

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly events: AdmissionEvents,
    private readonly nowMs: () => number,
  ) {}

  count(connectionClass: ConnectionClass): number {
    return this.counts[connectionClass];
  }

  /**
   * May `connection` stay? Null if admitted (it now counts until `release`);
   * otherwise the error to refuse it with. A full client budget first tries
   * to close the client idle the longest.
   */
  admit(connection: AdmittedConnection): BlixardError | null {
    const cls = connection.connectionClass;
    if (cls === "peer" && this.counts.peer >= this.limits.maxPeerConnections) {
      this.events.closed("peer-budget-full", { maxPeerConnections: this.limits.maxPeerConnections });
      return overloaded(`this node holds ${this.counts.peer} peer connections (maxPeerConnections)`);
    }
    if (cls === "client" && this.counts.client >= this.limits.maxClientConnections && !this.evictIdlestClient()) {
      this.events.closed("client-budget-full", { maxClientConnections: this.limits.maxClientConnections });
      return overloaded(`this node holds ${this.counts.client} client connections (maxClientConnections), none idle for ${this.limits.clientIdleEvictMs} ms`);
    }
    this.admitted.add(connection);
    this.counts[cls]++;
    return null;
  }

  release(connection: AdmittedConnection): void {
    if (!this.admitted.delete(connection)) return;
    this.counts[connection.connectionClass]--;
  }

  private evictIdlestClient(): boolean {
    let idlest: AdmittedConnection | undefined;
    for (const c of this.admitted) {
      if (c.connectionClass === "client" && (idlest === undefined || c.lastActiveMs < idlest.lastActiveMs)) idlest = c;
    }
    const idleMs = idlest === undefined ? 0 : this.nowMs() - idlest.lastActiveMs;
    if (idlest === undefined || idleMs < this.limits.clientIdleEvictMs) return false;
    this.release(idlest);
    idlest.evict(`idle for ${Math.round(idleMs)} ms while the client budget was full`);
    this.events.closed("client-evicted", { idleMs: Math.round(idleMs), maxClientConnections: this.limits.maxClientConnections });
    return true;
  }
}

export function overloaded(why: string): BlixardError {
  return blixardError("overloaded", `${why}; refusing a new connection`, { hint: "back off and retry; the node sheds load to keep serving" });
}
