import type { Result } from "../errors";
import { appliedClusterCommand } from "../controller/cluster-entry";
import type { Runtime } from "../ports/runtime";
import type { Entry } from "../raft/log-types";
import type { ClusterModule } from "../state/cluster/module";
import { clusterModuleName } from "../state/cluster/types";
import { validateClusterCommand } from "../state/cluster/validate-command";
import type { ApplyOutcome } from "../state/state-machine";
import type { NodeService } from "./node-service";

/** What the peer directory needs of its node (BlixardNode has all of it). */
export interface PeerDirectoryHost {
  readonly nodeId: string;
  readonly runtime: Pick<Runtime, "net" | "tracer">;
  readonly stateMachine: { module(name: string): unknown };
  proposeInternal(module: string, command: unknown): Result<void>;
}

export interface PeerDirectoryOptions {
  /**
   * This node's own reachable URL, published to the replicated directory
   * whenever the directory says otherwise (first start, restart at a new
   * address). Null publishes nothing: the operator records it (cluster add-node).
   */
  readonly advertiseAddress: string | null;
  /** Ticks between two publication attempts while the directory disagrees. */
  readonly publishIntervalTicks: number;
}

export const defaultPublishIntervalTicks = 20;

/**
 * Keeps the transport's address book in step with the replicated peer
 * directory (the cluster module's `peers`): every address applied on this
 * node is handed to `net.learnPeer`, and all of them at start and after a
 * snapshot replaced the state. That is how a leader learns to dial a node
 * that joined after it started, and how a joiner learns every member's
 * address from the log it receives.
 */
export class PeerDirectory implements NodeService {
  /** What was last handed to the transport, per node: learnPeer is called on change only. */
  private readonly learned = new Map<string, string>();
  private ticksUntilPublish = 0;
  private readonly advertiseAddress: string | null;

  constructor(
    private readonly node: PeerDirectoryHost,
    private readonly options: PeerDirectoryOptions,
  ) {
    this.advertiseAddress = this.checkedAdvertise(options.advertiseAddress);
  }

  start(): void {
    this.learnAll();
  }

  stateReplaced(): void {
    this.learnAll();
  }

  applied(outcome: ApplyOutcome, entry: Entry): void {
    const command = appliedClusterCommand(outcome, entry);
    if (command?.type !== "set-peer-address") return;
    // The state may be ahead of this entry (applies are reported after the batch): take what it holds now.
    const address = this.cluster()?.peerAddress(command.nodeId);
    if (address !== undefined) this.learn(command.nodeId, address);
  }

  tick(): void {
    if (this.advertiseAddress === null || --this.ticksUntilPublish > 0) return;
    this.ticksUntilPublish = this.options.publishIntervalTicks;
    const cluster = this.cluster();
    if (cluster === undefined || cluster.peerAddress(this.node.nodeId) === this.advertiseAddress) return;
    // Fails harmlessly until this node is a member that knows its leader; the next interval retries.
    this.node.proposeInternal(clusterModuleName, { type: "set-peer-address", nodeId: this.node.nodeId, address: this.advertiseAddress });
  }

  private learnAll(): void {
    for (const peer of this.cluster()?.listPeers() ?? []) this.learn(peer.nodeId, peer.address);
  }

  private learn(nodeId: string, address: string): void {
    if (nodeId === this.node.nodeId || this.learned.get(nodeId) === address) return;
    this.learned.set(nodeId, address);
    this.node.runtime.tracer.event("peer-address-learned", { node: this.node.nodeId, peer: nodeId, address });
    this.node.runtime.net.learnPeer?.(nodeId, address);
  }

  private cluster(): ClusterModule | undefined {
    return this.node.stateMachine.module(clusterModuleName) as ClusterModule | undefined;
  }

  /** An address the cluster module would refuse is reported once, not proposed every interval. */
  private checkedAdvertise(address: string | null): string | null {
    if (address === null) return null;
    const valid = validateClusterCommand({ type: "set-peer-address", nodeId: this.node.nodeId, address });
    if (valid.ok) return address;
    this.node.runtime.tracer.warn("peer-address-not-published", { node: this.node.nodeId, address, why: valid.error.message });
    return null;
  }
}

/** NodeOptions.services entry: the peer directory alone, to combine with other services. */
export function peerDirectoryServices(options: PeerDirectoryOptions): (node: PeerDirectoryHost) => NodeService[] {
  return (node) => [new PeerDirectory(node, options)];
}
