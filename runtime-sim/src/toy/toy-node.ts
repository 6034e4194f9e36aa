import type { EndpointId, ProcessEvent, ProcessHandle, Runtime } from "@blixard/core";
import { decodeGossip, encodeGossip, encodeRecord, recoverLog, type RecoveredLog } from "./toy-codec";

/** What the toy node reports to the world's checker (sim-only instrumentation). */
export interface ToyObserver {
  wrote(node: string, count: number): void;
  synced(node: string, count: number): void;
  recovered(node: string, log: RecoveredLog): void;
  received(from: EndpointId, to: string): void;
  accepted(to: string, from: string, counts: Readonly<Record<string, number>>): void;
  rejected(node: string, code: string): void;
  vmBooted(node: string): void;
}

/** Workload switches shared by every incarnation. */
export interface ToyControl {
  incrementing: boolean;
}

const LOG_FILE = "counter.log";
const COMPACT_AFTER_RECORDS = 256;

/**
 * A grow-only replicated counter that touches every port: it appends each
 * increment to a checksummed log (syncing most of the time, leaving some writes
 * unsynced), gossips only SYNCED values (persist before send), merges peers'
 * vectors by max, recovers from its own disk on restart, and keeps one VM
 * process alive through the spawner.
 */
export class ToyCounterNode {
  readonly counts: Record<string, number> = {};
  private own: number;
  private syncedOwn: number;
  private records: number;
  private vm: ProcessHandle | null = null;
  private vmGeneration = 0;
  vmIsBooted = false;

  constructor(
    private readonly rt: Runtime,
    private readonly peers: readonly string[],
    private readonly observer: ToyObserver,
    private readonly control: ToyControl,
  ) {
    const log = recoverLog(rt.disk.read(LOG_FILE));
    observer.recovered(rt.nodeId, log);
    this.own = log.count;
    this.syncedOwn = log.count;
    this.records = log.records;
    for (const peer of peers) this.counts[peer] = 0;
    this.counts[rt.nodeId] = log.count;
    if (log.corrupt || log.tornTail) {
      rt.tracer.warn("toy.log-repaired", { corrupt: log.corrupt, tornTail: log.tornTail, count: log.count });
      this.compact();
    }
    rt.net.onReceive((from, payload) => this.receive(from, payload));
    this.scheduleTick();
    this.spawnVm();
  }

  get ownCount(): number {
    return this.own;
  }

  get syncedCount(): number {
    return this.syncedOwn;
  }

  private scheduleTick(): void {
    this.rt.clock.setTimer(this.rt.random.nextInt(20, 60), () => this.tick());
  }

  private tick(): void {
    if (this.control.incrementing) {
      this.own++;
      this.write();
      if (this.rt.random.nextInt(0, 9) < 6) this.sync(); // else: left unsynced until next tick
    } else if (this.own !== this.syncedOwn) {
      this.sync();
    }
    if (this.records > COMPACT_AFTER_RECORDS) this.compact();
    this.gossip();
    this.maybeCycleVm();
    this.scheduleTick();
  }

  private write(): void {
    this.counts[this.rt.nodeId] = this.own;
    this.rt.disk.append(LOG_FILE, encodeRecord(this.own));
    this.records++;
    this.observer.wrote(this.rt.nodeId, this.own);
  }

  private sync(): void {
    this.rt.disk.sync();
    this.syncedOwn = this.own;
    this.observer.synced(this.rt.nodeId, this.own);
  }

  private compact(): void {
    this.rt.disk.overwrite(LOG_FILE, encodeRecord(this.own));
    this.records = 1;
    this.observer.wrote(this.rt.nodeId, this.own);
    this.sync();
  }

  /** Send the vector with our own entry at its SYNCED value only. */
  private gossip(): void {
    const payload = encodeGossip({ from: this.rt.nodeId, counts: { ...this.counts, [this.rt.nodeId]: this.syncedOwn } });
    for (const peer of this.peers) if (peer !== this.rt.nodeId) this.rt.net.send(peer, payload);
  }

  private receive(from: EndpointId, payload: Uint8Array): void {
    this.observer.received(from, this.rt.nodeId);
    const decoded = decodeGossip(from, payload);
    if (!decoded.ok) {
      this.observer.rejected(this.rt.nodeId, decoded.error.code);
      this.rt.tracer.warn("toy.gossip-rejected", { from, code: decoded.error.code });
      return;
    }
    this.observer.accepted(this.rt.nodeId, from, decoded.value.counts);
    for (const [node, value] of Object.entries(decoded.value.counts)) {
      if (!(node in this.counts)) continue; // only known members; bounded state
      if (node === this.rt.nodeId) {
        if (value > this.own) {
          // Peers saw more of us than our disk kept (rot): adopt and persist before gossiping it.
          this.own = value;
          this.write();
          this.sync();
        }
      } else if (value > this.counts[node]!) {
        this.counts[node] = value;
      }
    }
  }

  private spawnVm(): void {
    this.vmGeneration++;
    const vmName = `toy-vm-${this.rt.nodeId}`;
    const handle = this.rt.spawner.spawn(
      { vmName, generation: this.vmGeneration, launch: { backend: "sim", argv: ["toy-vm"], vcpus: 1, memoryMib: 64 } },
      (event) => this.onVmEvent(handle.processId, event),
    );
    this.vm = handle;
  }

  private onVmEvent(processId: string, event: ProcessEvent): void {
    if (this.vm === null || this.vm.processId !== processId) return;
    if (event.kind === "booted") {
      this.vmIsBooted = true;
      this.observer.vmBooted(this.rt.nodeId);
    } else if (event.kind === "exited" || event.kind === "spawn-failed") {
      this.vm = null;
      this.vmIsBooted = false;
      this.rt.clock.setTimer(this.rt.random.nextInt(100, 1_000), () => this.spawnVm());
    }
  }

  /** Now and then restart the VM cleanly or kill it, so stop/kill paths run too. */
  private maybeCycleVm(): void {
    if (this.vm === null || !this.vmIsBooted || !this.control.incrementing) return;
    const roll = this.rt.random.nextInt(0, 999);
    if (roll < 3) this.vm.stop();
    else if (roll < 4) this.vm.kill();
  }
}
