/**
 * Peer addresses: where each node's Raft endpoint is reached. A node only
 * dials peers whose address it knows, so an address has to be replicated
 * before the leader can reach a node that joined after startup.
 */

/** A URL longer than this is a mistake or an attack, not an address. */
export const PEER_ADDRESS_LENGTH_MAX = 256;

/** One row of the replicated peer directory. */
export interface PeerAddress {
  readonly nodeId: string;
  readonly address: string;
}

// ws:// or wss://, a DNS name, IPv4 or bracketed IPv6 host, an explicit port, nothing else.
const PEER_URL = /^wss?:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

/** Why `text` is not a peer address, or null when it is one. */
export function peerAddressProblem(text: string): string | null {
  if (text.length === 0 || text.length > PEER_ADDRESS_LENGTH_MAX) return `must be a ws:// or wss:// URL of 1 to ${PEER_ADDRESS_LENGTH_MAX} characters`;
  const match = PEER_URL.exec(text);
  if (match === null) return "must look like ws://host:port or wss://host:port (no path, query or credentials)";
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return `has port ${match[2]}; ports are 1 to 65535`;
  return null;
}
