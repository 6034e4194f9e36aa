import type { BlixardError } from "../errors";
import type { RaftMessage } from "../raft/messages";
import type { ClientOp } from "./client-ops";

/** The wire format version this code speaks. */
export const wireVersion = 1;

/**
 * Largest wire message accepted, in bytes (8 MiB): room for a 4 MiB snapshot
 * chunk or a 2 MiB batch after JSON escaping. Checked before parsing.
 */
export const maxMessageBytes = 8 * 1024 * 1024;
/** Longest node id carried in protocol fields (leaderHint), in UTF-16 units. */
export const maxNodeIdChars = 128;
/** Longest request id, in UTF-16 units. */
export const maxRequestIdChars = 128;

/** A peer Raft message; `msg.from` must equal the transport-level sender. */
export interface RaftWire {
  readonly v: 1;
  readonly kind: "raft";
  readonly msg: RaftMessage;
}

/** The body of a client request, as sent by the client or forwarded by a follower. */
export interface ClientRequestBody {
  /** Chosen by the sender, unique among its outstanding requests; echoed in the response. */
  readonly requestId: string;
  readonly clientId: string;
  /** Required for writes (exactly-once sessions); optional for read-only ops. */
  readonly seq?: number;
  readonly op: ClientOp;
}

/** From a client; `clientId` must equal the transport-level sender. */
export interface ClientRequestWire extends ClientRequestBody {
  readonly v: 1;
  readonly kind: "client-request";
}

/** A follower relays a client's request to the leader, which answers the follower with a client-response. */
export interface ForwardWire {
  readonly v: 1;
  readonly kind: "forward";
  readonly request: ClientRequestBody;
}

/** The error a response may carry: a BlixardError plus the ClientError extras. */
export interface WireError extends BlixardError {
  readonly field?: string;
  readonly leaderHint?: string;
}

export type ClientResponseWire =
  | {
      readonly v: 1;
      readonly kind: "client-response";
      readonly requestId: string;
      readonly result: unknown;
      /** Set by a follower relaying the leader's answer: the leader to talk to directly. */
      readonly leaderHint?: string;
    }
  | {
      readonly v: 1;
      readonly kind: "client-response";
      readonly requestId: string;
      readonly error: WireError;
      /** Where to retry, for not-leader. */
      readonly leaderHint?: string;
    };

export type WireMessage = RaftWire | ClientRequestWire | ForwardWire | ClientResponseWire;
export type WireKind = WireMessage["kind"];
export const wireKinds: readonly WireKind[] = ["raft", "client-request", "forward", "client-response"];
