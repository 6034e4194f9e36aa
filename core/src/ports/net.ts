/**
 * An unreliable datagram endpoint: messages may be lost, duplicated, delayed or
 * reordered, and peers may be partitioned away. Core must tolerate all of it.
 *
 * `from` on receive is the transport-level identity of the sender (the simulated
 * link, or the authenticated WebSocket peer). A message body that claims another
 * sender is forged and must be rejected by the decoder.
 */
import type { BlixardError } from "../errors";

export type EndpointId = string;

export interface NetEndpoint {
  /** This endpoint's own id (node id for nodes, client id for clients). */
  readonly selfId: EndpointId;
  /** Best-effort send. Never throws for an unreachable peer; oversize payloads are dropped and traced. */
  send(to: EndpointId, payload: Uint8Array): void;
  /** Install the one receive handler. A second call replaces the first. */
  onReceive(handler: (from: EndpointId, payload: Uint8Array) => void): void;
  /**
   * From now on, reach `id` at `address` (a ws:// or wss:// URL). Idempotent; a
   * changed address replaces the old one; an invalid address or this endpoint's
   * own id is traced and ignored, never thrown. Optional: a transport that
   * routes by id alone (the simulator) has nothing to learn.
   */
  learnPeer?(id: EndpointId, address: string): void;
  /**
   * Install the one handler told when the transport learns that `peer` cannot
   * be reached right now: a dial refused or failed, or a live connection to it
   * closed. A hint, best effort and never guaranteed (a silent peer causes no
   * call): clients use it to fail an attempt at once instead of waiting out its
   * timeout. Optional: the simulator's network has no connections to lose.
   */
  onUnreachable?(handler: (peer: EndpointId, error: BlixardError) => void): void;
}
