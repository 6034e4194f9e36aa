import type { Simulation } from "../simulation";
import type { RecoveredLog } from "./toy-codec";
import type { ToyObserver } from "./toy-node";

/**
 * Incremental checker beside the toy cluster. Node hooks record facts as they
 * happen; `check()` (an invariant, after every event) only returns the first
 * violation found, so its cost per event is O(1) plus a process recount when
 * the process table changed.
 */
export class ToyChecker implements ToyObserver {
  /** Highest count each node ever synced: no honest message may carry more. */
  private readonly maxSynced = new Map<string, number>();
  /**
   * What each node's disk must still hold: the highest synced count since its
   * last DETECTED corruption (detected rot is acknowledged data loss; the node
   * then re-learns its count from peers).
   */
  private readonly durableFloor = new Map<string, number>();
  private readonly maxWritten = new Map<string, number>();
  private violation: string | null = null;
  private processVersion = -1;
  readonly stats = { increments: 0, accepted: 0, rejected: 0, recoveries: 0, corruptLogs: 0, tornTails: 0, vmBoots: 0, deliveries: 0 };
  readonly rejectedByCode: Record<string, number> = {};

  constructor(private readonly sim: Simulation) {}

  wrote(node: string, count: number): void {
    if (count > (this.maxWritten.get(node) ?? 0)) {
      this.stats.increments += count - (this.maxWritten.get(node) ?? 0);
      this.maxWritten.set(node, count);
    }
  }

  synced(node: string, count: number): void {
    if (count > (this.maxSynced.get(node) ?? 0)) this.maxSynced.set(node, count);
    if (count > (this.durableFloor.get(node) ?? 0)) this.durableFloor.set(node, count);
  }

  recovered(node: string, log: RecoveredLog): void {
    this.stats.recoveries++;
    if (log.corrupt) this.stats.corruptLogs++;
    if (log.tornTail) this.stats.tornTails++;
    const floor = this.durableFloor.get(node) ?? 0;
    const written = this.maxWritten.get(node) ?? 0;
    if (log.corrupt) this.durableFloor.set(node, log.count);
    else if (log.count < floor) {
      this.flag(`node ${node} recovered count ${log.count} from disk but had synced ${floor}: a synced write was lost`);
    }
    if (log.count > written) this.flag(`node ${node} recovered count ${log.count} but never wrote more than ${written}: garbage passed the checksum`);
  }

  received(from: string, to: string): void {
    this.stats.deliveries++;
    if (!this.sim.network.links.linkUp(from, to)) this.flag(`a message ${from}->${to} was delivered while that link was cut`);
  }

  accepted(to: string, from: string, counts: Readonly<Record<string, number>>): void {
    this.stats.accepted++;
    for (const [node, value] of Object.entries(counts)) {
      const synced = this.maxSynced.get(node) ?? 0;
      if (value > synced) this.flag(`node ${to} accepted count ${value} for ${node} from ${from}, above ${node}'s highest synced count ${synced}`);
    }
  }

  rejected(_node: string, code: string): void {
    this.stats.rejected++;
    this.rejectedByCode[code] = (this.rejectedByCode[code] ?? 0) + 1;
  }

  vmBooted(_node: string): void {
    this.stats.vmBoots++;
  }

  /** Invariant: first violation seen, or a host running two toy VMs at once. */
  check(): string | null {
    if (this.violation !== null) return this.violation;
    const version = this.sim.processes.version;
    if (version !== this.processVersion) {
      this.processVersion = version;
      const perNode = new Map<string, number>();
      for (const p of this.sim.aliveProcesses()) perNode.set(p.nodeId, (perNode.get(p.nodeId) ?? 0) + 1);
      for (const [node, count] of perNode) if (count > 1) return `node ${node} runs ${count} toy VM processes at once`;
    }
    return null;
  }

  private flag(description: string): void {
    if (this.violation === null) this.violation = description;
  }
}
