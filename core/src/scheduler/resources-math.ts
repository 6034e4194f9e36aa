import type { Resources } from "../vm/spec";
import type { SchedHost } from "./types";

export type ResourceName = keyof Resources;
export const RESOURCE_NAMES: readonly ResourceName[] = ["vcpus", "memoryMib", "diskGib"];

export const RESOURCE_UNITS: Readonly<Record<ResourceName, string>> = {
  vcpus: "vcpus",
  memoryMib: "MiB memory",
  diskGib: "GiB disk",
};

export const ZERO_RESOURCES: Resources = { vcpus: 0, memoryMib: 0, diskGib: 0 };

export function addResources(a: Resources, b: Resources): Resources {
  return { vcpus: a.vcpus + b.vcpus, memoryMib: a.memoryMib + b.memoryMib, diskGib: a.diskGib + b.diskGib };
}

export function subtractResources(a: Resources, b: Resources): Resources {
  return { vcpus: a.vcpus - b.vcpus, memoryMib: a.memoryMib - b.memoryMib, diskGib: a.diskGib - b.diskGib };
}

/** The first resource in which `free` falls short of `need`, or null if it fits. */
export function firstShortfall(free: Resources, need: Resources): ResourceName | null {
  if (free.vcpus < need.vcpus) return "vcpus";
  if (free.memoryMib < need.memoryMib) return "memoryMib";
  if (free.diskGib < need.diskGib) return "diskGib";
  return null;
}

export function describeResources(r: Resources): string {
  return `${r.vcpus} vcpus, ${r.memoryMib} MiB memory, ${r.diskGib} GiB disk`;
}

/**
 * Scores compare hosts by free resources normalised by the largest capacity in
 * the cluster per resource, so one score orders hosts for every VM alike (what
 * lets an index keep hosts sorted). Only + and / on integers: the same bits on
 * every platform.
 */
export interface Normaliser {
  readonly vcpus: number;
  readonly memoryMib: number;
  readonly diskGib: number;
}

export function normaliserFor(hosts: readonly SchedHost[]): Normaliser {
  let vcpus = 0;
  let memoryMib = 0;
  let diskGib = 0;
  for (const h of hosts) {
    if (h.capacity.vcpus > vcpus) vcpus = h.capacity.vcpus;
    if (h.capacity.memoryMib > memoryMib) memoryMib = h.capacity.memoryMib;
    if (h.capacity.diskGib > diskGib) diskGib = h.capacity.diskGib;
  }
  return { vcpus, memoryMib, diskGib };
}

export function freeScore(n: Normaliser, vcpus: number, memoryMib: number, diskGib: number): number {
  const v = n.vcpus > 0 ? vcpus / n.vcpus : 0;
  const m = n.memoryMib > 0 ? memoryMib / n.memoryMib : 0;
  const d = n.diskGib > 0 ? diskGib / n.diskGib : 0;
  return v + m + d;
}

/** Host ids compare by UTF-16 code units: locale-free, the same everywhere. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
