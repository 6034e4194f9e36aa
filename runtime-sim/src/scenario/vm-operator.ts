import { ClusterClient, type ClientOutcome, type ClusterClientConfig, type RestartPolicy } from "@blixard/core";
import type { ClientRuntime } from "../world/runtime-types";

export interface VmWorkloadConfig {
  /** VMs the operator keeps alive at most (created minus deleted). */
  readonly vmsMax: number;
  /** Mean pause between operator actions. */
  readonly thinkTimeMsMean: number;
  readonly hostIds: readonly string[];
}

export interface VmOperatorStats {
  ok: number;
  failed: number;
  creates: number;
  stops: number;
  starts: number;
  deletes: number;
  drains: number;
  migrations: number;
}

const SIZES = [
  { vcpus: 1, memoryMib: 256 },
  { vcpus: 2, memoryMib: 1024 },
  { vcpus: 4, memoryMib: 2048 },
] as const;
const FEATURE_CHOICES: readonly (readonly string[])[] = [[], [], [], ["kvm"], ["nix"]];
const GROUPS = [null, null, "web", "db"] as const;

/**
 * A simulated operator driving the VM API through the same client as the CLI:
 * creates VMs of assorted shapes, stops, starts and deletes them, migrates
 * them, drains and reopens hosts. One action at a time; failures are fine
 * (the action may race a crash), but every outcome is counted.
 */
export class VmOperator {
  private readonly client: ClusterClient;
  private running = true;
  private created = 0;
  private readonly live: string[] = [];
  readonly stats: VmOperatorStats = { ok: 0, failed: 0, creates: 0, stops: 0, starts: 0, deletes: 0, drains: 0, migrations: 0 };

  constructor(
    private readonly runtime: ClientRuntime,
    clientConfig: ClusterClientConfig,
    private readonly workload: VmWorkloadConfig,
  ) {
    this.client = new ClusterClient(runtime, clientConfig);
    this.scheduleNext();
  }

  stop(): void {
    this.running = false;
  }

  get idle(): boolean {
    return !this.client.busy;
  }

  /** Reopen every host (the quiet phase must not end with hosts left draining). */
  uncordonAll(done: () => void): void {
    const hosts = [...this.workload.hostIds];
    const next = (): void => {
      const host = hosts.shift();
      if (host === undefined) return done();
      const submitted = this.client.submit({ module: "cluster", command: { type: "uncordon", hostId: host } }, () => next());
      if (!submitted) this.runtime.clock.setTimer(100, () => (hosts.unshift(host), next()));
    };
    next();
  }

  private scheduleNext(): void {
    if (!this.running) return;
    this.runtime.clock.setTimer(this.runtime.random.nextInt(0, 2 * this.workload.thinkTimeMsMean), () => this.act());
  }

  private act(): void {
    if (!this.running || this.client.busy) return;
    const roll = this.runtime.random.nextInt(0, 99);
    const command = roll < 35 || this.live.length === 0 ? this.createCommand() : this.otherCommand(roll);
    if (command === null) return this.scheduleNext();
    this.client.submit({ module: "cluster", command }, (outcome) => this.done(outcome));
  }

  private createCommand(): unknown {
    if (this.live.length >= this.workload.vmsMax) return null;
    const random = this.runtime.random;
    this.created += 1;
    const name = `vm-${this.created}`;
    const size = SIZES[random.nextInt(0, SIZES.length - 1)] ?? SIZES[0];
    const policies: RestartPolicy[] = [
      { kind: "always" },
      { kind: "on-failure", maxRetries: 5, backoffMsInitial: 200, backoffMsMax: 2000 },
    ];
    this.live.push(name);
    this.stats.creates += 1;
    return {
      type: "create-vm",
      desired: "running",
      spec: {
        name,
        vcpus: size.vcpus,
        memoryMib: size.memoryMib,
        diskGib: 1,
        hypervisor: "cloud-hypervisor",
        requiredFeatures: FEATURE_CHOICES[random.nextInt(0, FEATURE_CHOICES.length - 1)] ?? [],
        antiAffinityGroup: GROUPS[random.nextInt(0, GROUPS.length - 1)] ?? null,
        priority: random.nextInt(0, 4) * 100,
        restartPolicy: policies[random.nextInt(0, policies.length - 1)],
        placement: this.placementChoice(),
      },
    };
  }

  /** Mostly the cluster default; sometimes packed, spread, or pinned to one host. */
  private placementChoice(): unknown {
    const roll = this.runtime.random.nextInt(0, 9);
    if (roll < 6) return null;
    if (roll === 6) return { strategy: "least-available" };
    if (roll === 7) return { strategy: "round-robin" };
    const host = this.workload.hostIds[this.runtime.random.nextInt(0, this.workload.hostIds.length - 1)] ?? "n1";
    return { strategy: "manual", hostId: host };
  }

  private otherCommand(roll: number): unknown {
    const random = this.runtime.random;
    const vmName = this.live[random.nextInt(0, this.live.length - 1)] ?? "vm-1";
    const host = this.workload.hostIds[random.nextInt(0, this.workload.hostIds.length - 1)] ?? "n1";
    if (roll < 50) return (this.stats.stops++, { type: "set-desired", vmName, desired: "stopped" });
    if (roll < 70) return (this.stats.starts++, { type: "set-desired", vmName, desired: "running" });
    if (roll < 78) {
      this.live.splice(this.live.indexOf(vmName), 1);
      this.stats.deletes += 1;
      return { type: "set-desired", vmName, desired: "deleted" };
    }
    if (roll < 86) return (this.stats.migrations++, { type: "migrate-vm", vmName, targetHostId: host });
    if (roll < 92) return (this.stats.drains++, { type: "drain", hostId: host });
    return { type: "uncordon", hostId: host };
  }

  private done(outcome: ClientOutcome): void {
    if (outcome.kind === "ok") this.stats.ok += 1;
    else this.stats.failed += 1;
    this.scheduleNext();
  }
}
