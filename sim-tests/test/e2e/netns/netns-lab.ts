import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";

/**
 * A private network of network namespaces for tests across real processes.
 * Every member (a node or a client host) gets a namespace of its own with one
 * interface, `eth0`, in 10.231.0.0/24; the other end of its veth pair sits in
 * a hub namespace holding two bridges. Normally every member is on bridge
 * `br0`; a partition moves some members' ports to `br1`, so the two groups
 * can no longer reach each other (packets are dropped, as on a cut cable),
 * and healing moves them back. Nothing is created in the caller's own
 * namespace: the addresses exist only inside the lab, with no route out.
 * Namespace names carry a random suffix, so parallel runs never collide.
 */
const SUBNET_PREFIX = "10.231.0.";
const ADDRESS_OFFSET = 10;
const IP_TIMEOUT_MS = 10_000;

export function ip(...args: string[]): { ok: boolean; output: string } {
  const run = spawnSync("ip", args, { encoding: "utf8", timeout: IP_TIMEOUT_MS });
  return { ok: run.status === 0, output: `${run.stdout ?? ""}${run.stderr ?? ""}${run.error?.message ?? ""}`.trim() };
}

function mustIp(...args: string[]): void {
  const run = ip(...args);
  if (!run.ok) throw new Error(`ip ${args.join(" ")} failed: ${run.output}`);
}

/** Why this machine cannot make the lab (not Linux, not root, no ip, netns refused), or null when it can. */
export function netnsUnavailable(): string | null {
  if (process.platform !== "linux") return "network namespaces need Linux";
  if (process.getuid?.() !== 0) return "creating network namespaces needs root";
  const probe = `bxprobe-${randomBytes(4).toString("hex")}`;
  const added = ip("netns", "add", probe);
  if (!added.ok) return `ip netns add failed: ${added.output || "ip is missing (iproute2)"}`;
  const veth = ip("-n", probe, "link", "add", "p0", "type", "veth", "peer", "name", "p1");
  ip("netns", "del", probe);
  return veth.ok ? null : `veth pairs cannot be made in a namespace: ${veth.output}`;
}

export class NetnsLab {
  private destroyed = false;

  private constructor(
    readonly hub: string,
    private readonly namespaces: ReadonlyMap<string, string>,
    private readonly ports: ReadonlyMap<string, string>,
    private readonly addresses: ReadonlyMap<string, string>,
  ) {}

  /** Make the hub and one namespace per member; on any failure, remove what was made and throw. */
  static create(members: readonly string[]): NetnsLab {
    const prefix = `bxlab-${randomBytes(4).toString("hex")}`;
    const hub = `${prefix}-hub`;
    const namespaces = new Map(members.map((m) => [m, `${prefix}-${m}`]));
    const ports = new Map(members.map((m, i) => [m, `h${i}`]));
    const addresses = new Map(members.map((m, i) => [m, `${SUBNET_PREFIX}${ADDRESS_OFFSET + i}`]));
    const lab = new NetnsLab(hub, namespaces, ports, addresses);
    try {
      mustIp("netns", "add", hub);
      mustIp("-n", hub, "link", "set", "lo", "up");
      for (const bridge of ["br0", "br1"]) {
        mustIp("-n", hub, "link", "add", bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0");
        mustIp("-n", hub, "link", "set", bridge, "up");
      }
      for (const member of members) {
        const ns = lab.namespace(member);
        const port = ports.get(member) ?? "";
        mustIp("netns", "add", ns);
        mustIp("-n", hub, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
        mustIp("-n", hub, "link", "set", port, "master", "br0");
        mustIp("-n", hub, "link", "set", port, "up");
        mustIp("-n", ns, "addr", "add", `${lab.address(member)}/24`, "dev", "eth0");
        mustIp("-n", ns, "link", "set", "eth0", "up");
        mustIp("-n", ns, "link", "set", "lo", "up");
      }
    } catch (error) {
      lab.destroy();
      throw error;
    }
    return lab;
  }

  namespace(member: string): string {
    const ns = this.namespaces.get(member);
    if (ns === undefined) throw new Error(`no lab member ${member}`);
    return ns;
  }

  address(member: string): string {
    const address = this.addresses.get(member);
    if (address === undefined) throw new Error(`no lab member ${member}`);
    return address;
  }

  /** Argv prefix that runs a command inside a member's namespace (`ip netns exec` execs it: the pid is the command's). */
  execPrefix(member: string): string[] {
    return ["ip", "netns", "exec", this.namespace(member)];
  }

  /** Cut `island` off from everyone else: their ports move to the second bridge. */
  partition(island: readonly string[]): void {
    for (const member of island) mustIp("-n", this.hub, "link", "set", this.port(member), "master", "br1");
  }

  /** Every member back on one bridge. */
  heal(): void {
    for (const port of this.ports.values()) mustIp("-n", this.hub, "link", "set", port, "master", "br0");
  }

  /**
   * Remove every namespace (their veths and bridges go with them). Processes
   * still inside must be stopped first; a namespace outlives its name until
   * its last process exits.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const ns of [...this.namespaces.values(), this.hub]) ip("netns", "del", ns);
  }

  /** Names of this lab's namespaces that still exist (for the test's own cleanup check). */
  leftovers(): string[] {
    const listed = ip("netns", "list").output;
    return [...this.namespaces.values(), this.hub].filter((ns) => listed.split("\n").some((line) => line.split(" ")[0] === ns));
  }

  private port(member: string): string {
    const port = this.ports.get(member);
    if (port === undefined) throw new Error(`no lab member ${member}`);
    return port;
  }
}
