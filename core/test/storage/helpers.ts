import { expect } from "vitest";
import type { Disk } from "../../src/ports/disk";
import type { MemoryDisk } from "../../src/ports/testing/memory-disk";
import type { ClusterConfig, Entry, HardState, Snapshot } from "../../src/raft/log-types";
import { RaftLogStore, type OpenedStore, type StorageOptions } from "../../src/storage/index";

export const NODE = "n1";
export const CONFIG: ClusterConfig = { voters: ["n1", "n2", "n3"], learners: [], votersOutgoing: [] };

export function entry(index: number, term: number, data = `put k${index}=v${index}`): Entry {
  return { index, term, kind: "normal", data };
}

export function entries(from: number, to: number, term: number): Entry[] {
  const list: Entry[] = [];
  for (let index = from; index <= to; index++) list.push(entry(index, term));
  return list;
}

export function snapshot(index: number, term: number, data = `image@${index}`): Snapshot {
  return { meta: { index, term, config: CONFIG, configIndex: 0 }, data };
}

export function hardState(term: number, commit: number, votedFor: string | null = "n1"): HardState {
  return { term, votedFor, commit };
}

/** Opens and insists it worked: for tests where failure to open is itself the bug. */
export function openOk(disk: Disk, options: Partial<StorageOptions> = {}): OpenedStore {
  const opened = RaftLogStore.open(disk, NODE, options);
  if (!opened.ok) throw new Error(`open failed: ${opened.error.message}`);
  return opened.value;
}

export function expectOk(result: { ok: boolean; error?: { message: string } }): void {
  expect(result.ok, result.error?.message).toBe(true);
}

/** Thrown by CrashPointDisk to stop a write sequence at an exact point, like a power cut. */
export class CrashPoint extends Error {
  constructor() {
    super("simulated power cut");
  }
}

/**
 * Wraps a MemoryDisk; once armed, lets `writes` more mutating calls
 * (append/overwrite/remove/sync) through, then throws CrashPoint instead of
 * performing the next one.
 */
export class CrashPointDisk implements Disk {
  private writesLeft: number;

  constructor(
    private readonly inner: MemoryDisk,
    writesBeforeCrash = Number.POSITIVE_INFINITY,
  ) {
    this.writesLeft = writesBeforeCrash;
  }

  arm(writes: number): void {
    this.writesLeft = writes;
  }

  disarm(): void {
    this.writesLeft = Number.POSITIVE_INFINITY;
  }

  list(): string[] {
    return this.inner.list();
  }
  read(file: string): Uint8Array | undefined {
    return this.inner.read(file);
  }
  append(file: string, bytes: Uint8Array): void {
    this.spend();
    this.inner.append(file, bytes);
  }
  overwrite(file: string, bytes: Uint8Array): void {
    this.spend();
    this.inner.overwrite(file, bytes);
  }
  remove(file: string): void {
    this.spend();
    this.inner.remove(file);
  }
  sync(): void {
    this.spend();
    this.inner.sync();
  }

  private spend(): void {
    if (this.writesLeft <= 0) throw new CrashPoint();
    this.writesLeft -= 1;
  }
}
