import { blixardError, err, ok, type BlixardError, type Result } from "@blixard/core";

/**
 * Wire frames of the WebSocket transport. Every frame is binary; byte 0 is the
 * kind. A connection opens with one `hello` each way (the dialer speaks first);
 * the listener answers a bad hello with one `reject` frame and closes.
 *
 *   0x01 hello   UTF-8 JSON {protocol, version, clusterId, endpointId}
 *   0x02 data    the payload, as handed to send()
 *   0x03 reject  UTF-8 JSON {code, message}
 */
export const NET_PROTOCOL = "blixard-net";
export const NET_PROTOCOL_VERSION = 1;
export const FRAME_HELLO = 0x01;
export const FRAME_DATA = 0x02;
export const FRAME_REJECT = 0x03;
/** A hello or reject is a few short strings; anything bigger is not one. */
export const MAX_CONTROL_FRAME_BYTES = 2_048;

export interface Hello {
  readonly clusterId: string;
  readonly endpointId: string;
}

/** Endpoint ids: node ids and "client-<hex>"; short and printable so they are safe in logs and keys. */
const ENDPOINT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isValidEndpointId(id: string): boolean {
  return ENDPOINT_ID_PATTERN.test(id);
}

export function encodeHello(hello: Hello): Uint8Array {
  return controlFrame(FRAME_HELLO, { protocol: NET_PROTOCOL, version: NET_PROTOCOL_VERSION, ...hello });
}

export function encodeReject(error: BlixardError): Uint8Array {
  return controlFrame(FRAME_REJECT, { code: error.code, message: error.message.slice(0, 1_000) });
}

export function encodeData(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(payload.length + 1);
  frame[0] = FRAME_DATA;
  frame.set(payload, 1);
  return frame;
}

/** What a hello is checked against: our cluster and id, and the id we expect when we dialled a known peer. */
export interface HelloExpectation {
  readonly clusterId: string;
  readonly selfId: string;
  readonly expectedId: string | undefined;
}

export function decodeHello(frame: Uint8Array, expect: HelloExpectation): Result<Hello> {
  const body = decodeControl(frame, FRAME_HELLO);
  if (!body.ok) return body;
  const { protocol, version, clusterId: theirCluster, endpointId } = body.value;
  if (protocol !== NET_PROTOCOL) {
    return err(blixardError("handshake-malformed", `peer speaks protocol ${JSON.stringify(protocol)}, not ${NET_PROTOCOL}`));
  }
  if (version !== NET_PROTOCOL_VERSION) {
    return err(
      blixardError("protocol-version-mismatch", `${NET_PROTOCOL} version mismatch: ${expect.selfId} speaks ${NET_PROTOCOL_VERSION}, its peer ${String(version)}`, {
        hint: "run the same Blixard release on every node",
      }),
    );
  }
  if (typeof endpointId !== "string" || !isValidEndpointId(endpointId)) {
    return err(blixardError("invalid-endpoint-id", `peer announced endpoint id ${JSON.stringify(endpointId)}; ids are 1-128 of [A-Za-z0-9._-]`));
  }
  if (theirCluster !== expect.clusterId) {
    return err(
      blixardError("cluster-mismatch", `cluster mismatch: ${endpointId} is in cluster ${JSON.stringify(theirCluster)}, ${expect.selfId} in ${JSON.stringify(expect.clusterId)}`, {
        hint: "check the peer address list and the cluster id of both nodes",
      }),
    );
  }
  if (expect.expectedId !== undefined && endpointId !== expect.expectedId) {
    return err(
      blixardError("peer-identity-mismatch", `dialled ${expect.expectedId} but the endpoint there says it is ${endpointId}`, {
        hint: "the peer address list maps this address to the wrong node id",
      }),
    );
  }
  return ok({ clusterId: theirCluster, endpointId });
}

export function decodeReject(frame: Uint8Array): BlixardError {
  const body = decodeControl(frame, FRAME_REJECT);
  if (!body.ok) return body.error;
  const { code, message } = body.value;
  return blixardError(typeof code === "string" ? code : "rejected", typeof message === "string" ? message : "peer rejected the handshake");
}

function controlFrame(kind: number, body: Record<string, unknown>): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(body));
  const frame = new Uint8Array(json.length + 1);
  frame[0] = kind;
  frame.set(json, 1);
  return frame;
}

function decodeControl(frame: Uint8Array, kind: number): Result<Record<string, unknown>> {
  if (frame.length > MAX_CONTROL_FRAME_BYTES) {
    return err(blixardError("handshake-malformed", `handshake frame of ${frame.length} bytes exceeds ${MAX_CONTROL_FRAME_BYTES}`));
  }
  if (frame[0] !== kind) {
    return err(blixardError("handshake-malformed", `expected frame kind ${kind}, got ${String(frame[0])}`));
  }
  try {
    const body: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(frame.subarray(1)));
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return err(blixardError("handshake-malformed", "handshake body is not a JSON object"));
    }
    return ok(body as Record<string, unknown>);
  } catch (error) {
    return err(blixardError("handshake-malformed", `handshake body is not UTF-8 JSON: ${(error as Error).message}`));
  }
}
