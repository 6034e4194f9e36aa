import { copyBytes, type EndpointId, type NetEndpoint } from "@blixard/core";
import type { SimRandom } from "../random/streams";
import { digest32 } from "../random/hash";
import { MessageDetail, type TraceDetail } from "../trace/message-detail";
import type { VirtualUs } from "../world/time";
import { ByzantineNode, type ByzantineBehaviour } from "./byzantine";
import { LinkState } from "./link-state";
import { validateNetworkConfig, type NetworkConfig } from "./net-config";

/** What the network needs from the world. */
export interface NetHost {
  nowUs(): VirtualUs;
  /** Schedule a delivery event for endpoint `to` (deferred while `to` is paused). */
  scheduleDelivery(atUs: VirtualUs, to: EndpointId, detail: MessageDetail, deliver: () => void): void;
  /** Whether `id` is up (its software exists) right now. */
  isUp(id: EndpointId): boolean;
  trace(node: string, kind: string, detail: TraceDetail): void;
  /** The per-sender stream "net/<id>", created on first use. */
  senderRandom(id: EndpointId): SimRandom;
  byzantineRandom(id: EndpointId): SimRandom;
}

export type DropReason = "oversize" | "partition-at-send" | "partition-in-flight" | "loss" | "receiver-down" | "no-handler" | "unknown-endpoint";

export interface NetworkStats {
  sent: number;
  delivered: number;
  duplicated: number;
  dropped: Record<DropReason, number>;
  byzantine: number;
}

type Handler = (from: EndpointId, payload: Uint8Array) => void;

/**
 * The simulated datagram network. A message is checked against the link state
 * twice: at send (a cut link drops it at once) and again at delivery (a
 * partition that starts while it is in flight drops it too: it models a
 * connection reset, so no message ever crosses a partition that is in force
 * when it arrives). Reordering falls out of per-message jitter.
 */
export class SimNetwork {
  readonly links = new LinkState();
  private config: NetworkConfig;
  private readonly handlers = new Map<EndpointId, Handler>();
  private readonly known = new Set<EndpointId>();
  private readonly byzantine = new Map<EndpointId, ByzantineNode>();
  private nextMessageId = 1;
  readonly stats: NetworkStats = {
    sent: 0,
    delivered: 0,
    duplicated: 0,
    dropped: { oversize: 0, "partition-at-send": 0, "partition-in-flight": 0, loss: 0, "receiver-down": 0, "no-handler": 0, "unknown-endpoint": 0 },
    byzantine: 0,
  };

  constructor(
    private readonly host: NetHost,
    config: NetworkConfig,
  ) {
    this.config = validateNetworkConfig(config);
  }

  get currentConfig(): NetworkConfig {
    return this.config;
  }

  /** Replace loss/dup/latency settings (nemesis spikes and their healing). */
  setConfig(config: NetworkConfig): void {
    this.config = validateNetworkConfig(config);
  }

  register(id: EndpointId): void {
    this.known.add(id);
  }

  endpoints(): EndpointId[] {
    return [...this.known].sort();
  }

  /** The NetEndpoint for one incarnation of `id`. Sends from a dead incarnation are ignored. */
  endpoint(id: EndpointId, isAlive: () => boolean): NetEndpoint {
    this.handlers.delete(id); // a new incarnation starts with no handler
    return {
      selfId: id,
      send: (to, payload) => {
        if (isAlive()) this.send(id, to, payload);
      },
      onReceive: (handler) => {
        if (isAlive()) this.handlers.set(id, handler);
      },
    };
  }

  /** Forget the handler of a crashed endpoint. */
  detach(id: EndpointId): void {
    this.handlers.delete(id);
  }

  markByzantine(id: EndpointId, behaviour: ByzantineBehaviour): void {
    this.byzantine.set(id, new ByzantineNode(id, behaviour, this.host.byzantineRandom(id)));
  }

  clearByzantine(id?: EndpointId): void {
    if (id === undefined) this.byzantine.clear();
    else this.byzantine.delete(id);
  }

  byzantineNodes(): EndpointId[] {
    return [...this.byzantine.keys()].sort();
  }

  send(from: EndpointId, to: EndpointId, payload: Uint8Array): void {
    const byzantine = this.byzantine.get(from);
    if (!(payload instanceof Uint8Array)) throw new TypeError(`net.send from ${from} to ${to}: payload must be a Uint8Array`);
    if (byzantine === undefined) {
      this.sendOne(from, to, copyBytes(payload), null);
      return;
    }
    for (const copy of byzantine.transform(to, copyBytes(payload))) {
      if (copy.action !== null) this.stats.byzantine++;
      this.sendOne(from, copy.to, copy.payload, copy.action);
    }
  }

  private sendOne(from: EndpointId, to: EndpointId, payload: Uint8Array, tag: string | null): void {
    if (!(payload instanceof Uint8Array)) throw new TypeError(`net.send from ${from}: payload must be a Uint8Array`);
    const id = this.nextMessageId++;
    this.stats.sent++;
    const detail = new MessageDetail(id, from, to, payload.length, digest32(payload), tag, false);
    if (payload.length > this.config.maxMessageBytes) return this.drop("oversize", from, detail);
    if (!this.known.has(to)) return this.drop("unknown-endpoint", from, detail);
    if (!this.links.linkUp(from, to)) return this.drop("partition-at-send", from, detail);
    const random = this.host.senderRandom(from);
    if (random.bernoulli(this.config.lossProbability)) return this.drop("loss", from, detail);
    this.host.trace(from, "net.send", detail);
    this.scheduleCopy(from, to, payload, detail, random);
    if (random.bernoulli(this.config.duplicateProbability)) {
      this.stats.duplicated++;
      // Each delivery owns its bytes, so a receiver can never disturb the other copy.
      this.scheduleCopy(from, to, copyBytes(payload), detail.asDuplicate(), random);
    }
  }

  private scheduleCopy(from: EndpointId, to: EndpointId, payload: Uint8Array, detail: MessageDetail, random: SimRandom): void {
    const atUs = this.host.nowUs() + this.drawLatencyUs(random);
    this.host.scheduleDelivery(atUs, to, detail, () => this.deliver(from, to, payload, detail));
  }

  private deliver(from: EndpointId, to: EndpointId, payload: Uint8Array, detail: MessageDetail): void {
    if (!this.links.linkUp(from, to)) return this.drop("partition-in-flight", to, detail);
    if (!this.host.isUp(to)) return this.drop("receiver-down", to, detail);
    const handler = this.handlers.get(to);
    if (handler === undefined) return this.drop("no-handler", to, detail);
    this.stats.delivered++;
    handler(from, payload);
  }

  private drawLatencyUs(random: SimRandom): number {
    const latency = this.config.latency;
    let delayUs = latency.baseUs + (latency.jitterUs > 0 ? random.nextInt(0, latency.jitterUs) : 0);
    if (latency.tailUs > 0 && random.bernoulli(latency.tailProbability)) delayUs += random.nextInt(0, latency.tailUs);
    return delayUs;
  }

  private drop(reason: DropReason, node: EndpointId, detail: MessageDetail): void {
    this.stats.dropped[reason]++;
    this.host.trace(node, `net.drop.${reason}`, detail);
  }
}
