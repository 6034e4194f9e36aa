import { assert } from "../errors";
import { schedulingStateOf } from "./cluster-view";
import { decideWithoutFit } from "./place";
import { compareIds, freeScore, normaliserFor } from "./resources-math";
import type { Normaliser } from "./resources-math";
import { better, FeatureBucket } from "./feature-bucket";
import type { Decision, PlacedVm, SchedHost, SchedulerView, Strategy, VmRequest } from "./types";

/**
 * An incremental scheduler for batches: the same decisions as `placeVm`, but
 * hosts stay sorted by score inside feature-set buckets, so a placement costs a
 * binary search plus a short scan instead of a pass over every host. Each
 * successful `place` records the VM, updating free resources, anti-affinity
 * and the round-robin cursor. When nothing fits, it falls back to the one-shot
 * path (explanations, preemption), which is rare and allowed to be linear.
 */
export class PlacementIndex {
  private readonly hosts: SchedHost[];
  private readonly slotOf = new Map<string, number>();
  private readonly free: Float64Array;
  private readonly score: Float64Array;
  private readonly bucketOfSlot: Int32Array;
  private readonly buckets: FeatureBucket[] = [];
  private readonly bucketsByFeatures = new Map<string, Uint8Array>();
  /** group -> slot -> how many VMs of that group run there. */
  private readonly groupSlots = new Map<string, Map<number, number>>();
  private readonly placed = new Map<string, { readonly vm: PlacedVm; readonly slot: number }>();
  private readonly normaliser: Normaliser;
  private cursor: string | null;

  constructor(view: SchedulerView) {
    this.hosts = [...view.hosts].sort((a, b) => compareIds(a.id, b.id));
    const n = this.hosts.length;
    this.normaliser = normaliserFor(this.hosts);
    this.free = new Float64Array(n * 3);
    this.score = new Float64Array(n);
    this.bucketOfSlot = new Int32Array(n).fill(-1);
    this.cursor = view.roundRobinCursor;
    this.hosts.forEach((h, slot) => {
      assert(!this.slotOf.has(h.id), "scheduler-host-ids-unique", () => `host ${h.id} appears twice in the view`);
      this.slotOf.set(h.id, slot);
      this.free.set([h.capacity.vcpus, h.capacity.memoryMib, h.capacity.diskGib], slot * 3);
    });
    for (const vm of view.placed) this.record(vm);
    this.cursor = view.roundRobinCursor; // recording the view's VMs must not move the cursor
    const bucketIdByKey = new Map<string, number>();
    this.hosts.forEach((h, slot) => {
      this.score[slot] = this.scoreOf(slot);
      if (h.status !== "healthy" || h.cordoned || h.draining) return;
      const features = [...new Set(h.features)].sort(compareIds);
      const key = features.join("\u0000");
      let id = bucketIdByKey.get(key);
      if (id === undefined) {
        id = this.buckets.length;
        bucketIdByKey.set(key, id);
        this.buckets.push(new FeatureBucket(new Set(features), this.score));
      }
      this.bucketOfSlot[slot] = id;
      this.buckets[id]?.insert(slot, this.free[slot * 3] as number, this.free[slot * 3 + 1] as number);
    });
  }

  /** Decide for one VM; on "placed" the placement is recorded in the index. */
  place(vm: VmRequest, strategy: Strategy): Decision {
    const already = this.placed.get(vm.name);
    if (already !== undefined) return { kind: "unplaceable", reason: `VM ${vm.name} is already placed on host ${already.vm.hostId}` };
    const slot = this.choose(vm, strategy);
    if (slot < 0) return decideWithoutFit(schedulingStateOf(this.view()), vm, strategy);
    const hostId = this.hosts[slot]?.id as string;
    this.record({ name: vm.name, hostId, resources: vm.resources, antiAffinityGroup: vm.antiAffinityGroup, priority: vm.priority });
    return { kind: "placed", hostId };
  }

  /** Place a batch in order; each decision sees the placements before it. */
  placeBatch(vms: readonly VmRequest[], strategy: Strategy): Decision[] {
    return vms.map((vm) => this.place(vm, strategy));
  }

  /** Record a placement decided elsewhere (e.g. after carrying out a preemption). */
  assign(vm: PlacedVm): void {
    assert(!this.placed.has(vm.name), "scheduler-vm-placed-once", () => `VM ${vm.name} is already placed`);
    assert(this.slotOf.has(vm.hostId), "scheduler-host-known", () => `host ${vm.hostId} is not in the index`);
    this.record(vm);
  }

  /** Forget a placement (evicted, stopped or deleted). Returns false if unknown. */
  remove(vmName: string): boolean {
    const entry = this.placed.get(vmName);
    if (entry === undefined) return false;
    this.placed.delete(vmName);
    if (entry.slot < 0) return true;
    this.adjust(entry.slot, entry.vm, +1);
    const group = entry.vm.antiAffinityGroup;
    if (group !== null) {
      const slots = this.groupSlots.get(group);
      const left = (slots?.get(entry.slot) ?? 0) - 1;
      if (left > 0) slots?.set(entry.slot, left);
      else slots?.delete(entry.slot);
    }
    return true;
  }

  /** The index's current state as a view: what `placeVm` would be given. */
  view(): SchedulerView {
    return { hosts: this.hosts, placed: [...this.placed.values()].map((e) => e.vm), roundRobinCursor: this.cursor };
  }

  private record(vm: PlacedVm): void {
    const slot = this.slotOf.get(vm.hostId) ?? -1;
    this.placed.set(vm.name, { vm, slot });
    if (slot < 0) return; // on an unknown host: holds nothing here, as in placeVm
    this.cursor = vm.hostId;
    this.adjust(slot, vm, -1);
    if (vm.antiAffinityGroup !== null) {
      let slots = this.groupSlots.get(vm.antiAffinityGroup);
      if (slots === undefined) this.groupSlots.set(vm.antiAffinityGroup, (slots = new Map()));
      slots.set(slot, (slots.get(slot) ?? 0) + 1);
    }
  }

  /** Add (sign +1) or take (sign -1) a VM's resources on a slot, keeping its bucket sorted. */
  private adjust(slot: number, vm: PlacedVm, sign: 1 | -1): void {
    const bucket = this.buckets[this.bucketOfSlot[slot] as number];
    const base = slot * 3;
    bucket?.remove(slot, this.free[base] as number, this.free[base + 1] as number);
    this.free[base] = (this.free[base] as number) + sign * vm.resources.vcpus;
    this.free[base + 1] = (this.free[base + 1] as number) + sign * vm.resources.memoryMib;
    this.free[base + 2] = (this.free[base + 2] as number) + sign * vm.resources.diskGib;
    this.score[slot] = this.scoreOf(slot);
    bucket?.insert(slot, this.free[base] as number, this.free[base + 1] as number);
  }

  private scoreOf(slot: number): number {
    const base = slot * 3;
    return freeScore(this.normaliser, this.free[base] as number, this.free[base + 1] as number, this.free[base + 2] as number);
  }

  private fits(slot: number, vm: VmRequest): boolean {
    const base = slot * 3;
    const r = vm.resources;
    if ((this.free[base] as number) < r.vcpus || (this.free[base + 1] as number) < r.memoryMib || (this.free[base + 2] as number) < r.diskGib) {
      return false;
    }
    return vm.antiAffinityGroup === null || !(this.groupSlots.get(vm.antiAffinityGroup)?.has(slot) ?? false);
  }

  /** Which buckets hold every feature the VM requires (flag per bucket), cached per feature set. */
  private allowedBuckets(vm: VmRequest): Uint8Array {
    const key = [...vm.requiredFeatures].sort(compareIds).join("\u0000");
    let allowed = this.bucketsByFeatures.get(key);
    if (allowed === undefined) {
      allowed = Uint8Array.from(this.buckets, (b) => (vm.requiredFeatures.every((f) => b.features.has(f)) ? 1 : 0));
      this.bucketsByFeatures.set(key, allowed);
    }
    return allowed;
  }

  private usable(slot: number, allowed: Uint8Array, vm: VmRequest): boolean {
    const bucket = this.bucketOfSlot[slot] as number;
    return bucket >= 0 && allowed[bucket] === 1 && this.fits(slot, vm);
  }

  private choose(vm: VmRequest, strategy: Strategy): number {
    const allowed = this.allowedBuckets(vm);
    switch (strategy.kind) {
      case "manual": {
        const slot = this.slotOf.get(strategy.hostId);
        return slot !== undefined && this.usable(slot, allowed, vm) ? slot : -1;
      }
      case "round-robin":
        return this.roundRobin(vm, allowed);
      case "most-available":
      case "least-available":
        return this.bestByScore(vm, allowed, strategy.kind === "most-available");
    }
  }

  private roundRobin(vm: VmRequest, allowed: Uint8Array): number {
    const n = this.hosts.length;
    let start = 0;
    if (this.cursor !== null) {
      // first slot whose id sorts after the cursor (binary search over sorted ids)
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareIds((this.hosts[mid] as SchedHost).id, this.cursor) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo === n ? 0 : lo;
    }
    for (let i = 0; i < n; i++) {
      const slot = (start + i) % n;
      if (this.usable(slot, allowed, vm)) return slot;
    }
    return -1;
  }

  private bestByScore(vm: VmRequest, allowed: Uint8Array, most: boolean): number {
    const fits = (slot: number): boolean => this.fits(slot, vm);
    const r = vm.resources;
    const floor = freeScore(this.normaliser, r.vcpus, r.memoryMib, r.diskGib);
    let best = -1;
    this.buckets.forEach((bucket, id) => {
      if (allowed[id] !== 1) return;
      const slot = most ? bucket.most(r, fits) : bucket.least(r, floor, fits);
      if (slot >= 0 && (best < 0 || better(this.score, slot, best, most))) best = slot;
    });
    return best;
  }
}
