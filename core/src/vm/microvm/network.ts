import { blixardError, err, ok } from "../../errors";
import type { Result } from "../../errors";
import type { InterfaceType, VmSpec } from "../spec";

/**
 * The network a VM was given on its host: per interface, the host-side tap
 * (or user-mode id), the MAC, and the guest's static IPv4 address. The
 * cluster's address pools hand these out; until a VM has an allocation, its
 * spec's own interfaces stand in (no address: the guest configures none).
 */
export interface VmNetwork {
  readonly interfaces: readonly GuestInterface[];
  /** Resolvers the guest uses (IPv4 dotted quads), in order. */
  readonly dnsIpv4: readonly string[];
}

export interface GuestInterface {
  readonly type: InterfaceType;
  /** Host-side interface name (tap device), at most 15 characters. */
  readonly id: string;
  readonly mac: string;
  readonly ipv4: GuestIpv4 | null;
  /** Host bridge the tap joins once it exists; null: the tap stays on its own. */
  readonly bridge: string | null;
}

export interface GuestIpv4 {
  /** Dotted quad, e.g. 10.20.0.5. */
  readonly address: string;
  readonly prefixLength: number;
  /** Default route via this address (dotted quad); null: no default route. */
  readonly gateway: string | null;
}

/** The spec's interfaces as a network with no addresses: what a VM gets before any allocation. */
export function networkFromSpec(spec: Pick<VmSpec, "interfaces">): VmNetwork {
  return {
    interfaces: spec.interfaces.map((iface) => ({ type: iface.type, id: iface.id, mac: iface.mac, ipv4: null, bridge: null })),
    dnsIpv4: [],
  };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const INTERFACE_ID = /^[A-Za-z0-9_.-]{1,15}$/;
/** Linux bridge names follow the interface-name rule. */
const BRIDGE = INTERFACE_ID;
const DNS_MAX = 8;

/**
 * Check a network before it shapes a guest: it comes from the replicated
 * state, but a generator that trusted it would turn a bad record into a
 * broken guest instead of one clear error.
 */
export function checkVmNetwork(network: VmNetwork): Result<VmNetwork> {
  const problems: string[] = [];
  const ids = new Set<string>();
  const macs = new Set<string>();
  network.interfaces.forEach((iface, i) => {
    const at = `network.interfaces[${i}]`;
    if (!INTERFACE_ID.test(iface.id)) problems.push(`${at}.id must be 1-15 of [A-Za-z0-9_.-], got ${JSON.stringify(iface.id)}`);
    if (!MAC.test(iface.mac)) problems.push(`${at}.mac must be six lower-case hex octets, got ${JSON.stringify(iface.mac)}`);
    if (ids.has(iface.id)) problems.push(`${at}.id repeats ${iface.id}`);
    if (macs.has(iface.mac)) problems.push(`${at}.mac repeats ${iface.mac}`);
    ids.add(iface.id);
    macs.add(iface.mac);
    if (iface.bridge !== null && !BRIDGE.test(iface.bridge)) problems.push(`${at}.bridge must be 1-15 of [A-Za-z0-9_.-], got ${JSON.stringify(iface.bridge)}`);
    if (iface.bridge !== null && iface.type !== "tap") problems.push(`${at}.bridge is set but only a tap joins a bridge (type is ${iface.type})`);
    const ip = iface.ipv4;
    if (ip === null) return;
    if (!IPV4.test(ip.address)) problems.push(`${at}.ipv4.address must be a dotted quad, got ${JSON.stringify(ip.address)}`);
    if (!Number.isInteger(ip.prefixLength) || ip.prefixLength < 1 || ip.prefixLength > 32) problems.push(`${at}.ipv4.prefixLength must be 1-32, got ${ip.prefixLength}`);
    if (ip.gateway !== null && !IPV4.test(ip.gateway)) problems.push(`${at}.ipv4.gateway must be a dotted quad, got ${JSON.stringify(ip.gateway)}`);
  });
  if (network.dnsIpv4.length > DNS_MAX) problems.push(`network.dnsIpv4 lists ${network.dnsIpv4.length} resolvers; at most ${DNS_MAX}`);
  network.dnsIpv4.forEach((dns, i) => {
    if (!IPV4.test(dns)) problems.push(`network.dnsIpv4[${i}] must be a dotted quad, got ${JSON.stringify(dns)}`);
  });
  if (problems.length === 0) return ok(network);
  return err(blixardError("invalid-vm-network", `the VM's network allocation is unusable: ${problems.join("; ")}`, {
    hint: "this comes from the cluster's address pools; report it with the VM's status",
  }));
}
