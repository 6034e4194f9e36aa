import { copyBytes, DiskIoError, type Disk } from "@blixard/core";
import type { SimRandom } from "../random/streams";
import { digest32 } from "../random/hash";
import { WriteDetail, type TraceDetail } from "../trace/message-detail";

/** Disk parameters. */
export interface DiskConfig {
  /** Total bytes the disk holds (durable + pending view); writes beyond fail with DiskIoError. */
  readonly capacityBytes: number;
  /** Longest file name accepted. */
  readonly maxFileNameChars: number;
}

export const DEFAULT_DISK_CONFIG: DiskConfig = {
  capacityBytes: 256 * 1024 * 1024,
  maxFileNameChars: 255,
};

/** One file: what survives a crash (`durable`) and what readers see (`current`). */
interface FileState {
  /**
   * What survives a crash: the first `count` chunks of `chunks`. Appends push to
   * the same array the durable image may share, so a sync after appends only
   * moves `count` — O(1), where copying the file would make every sync O(file).
   */
  durable: DurableImage | null;
  /** Chunks of the visible content; concatenated lazily. null = file removed (pending). */
  current: Uint8Array[] | null;
  currentBytes: number;
  dirty: boolean;
  /** The first unsynced write, when it was an append on top of the durable content: torn writes cut it. */
  firstPendingAppend: Uint8Array | null;
}

interface DurableImage {
  readonly chunks: Uint8Array[];
  readonly count: number;
  readonly bytes: number;
}

function durableBytes(image: DurableImage): Uint8Array {
  if (image.count === 1) return image.chunks[0]!;
  const out = new Uint8Array(image.bytes);
  let offset = 0;
  for (let i = 0; i < image.count; i++) {
    const chunk = image.chunks[i]!;
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

export type DiskTraceFn = (kind: string, detail: TraceDetail) => void;

/**
 * A node's simulated disk, owned by the world and kept across restarts.
 * - read() sees every write (page cache); sync() makes them durable, with zero
 *   latency: the port's sync is synchronous, so a sync is one atomic step.
 * - crash(): unsynced writes are lost; with `torn`, a strict prefix of the first
 *   unsynced append to each file may survive (a torn sector write).
 * - flipBits(): rot in durable content, to be caught by the reader's checksums.
 * - failNextSyncs(n): the next n sync() calls throw DiskIoError (pending stays pending).
 */
export class SimDisk {
  private readonly files = new Map<string, FileState>();
  private syncFailuresLeft = 0;
  private visibleBytes = 0;
  private trace: DiskTraceFn = () => {};

  constructor(
    readonly nodeId: string,
    private readonly config: DiskConfig = DEFAULT_DISK_CONFIG,
  ) {}

  setTrace(trace: DiskTraceFn): void {
    this.trace = trace;
  }

  /** The core Disk view for one node incarnation; throws if used after that incarnation died. */
  port(isAlive: () => boolean): Disk {
    const guard = (op: string, file: string): void => {
      if (!isAlive()) throw new DiskIoError(this.nodeId, op, file, "the node incarnation using this disk has crashed");
    };
    return {
      list: () => (guard("list", "*"), this.list()),
      read: (file) => (guard("read", file), this.read(file)),
      append: (file, bytes) => (guard("append", file), this.append(file, bytes)),
      overwrite: (file, bytes) => (guard("overwrite", file), this.overwrite(file, bytes)),
      remove: (file) => (guard("remove", file), this.remove(file)),
      sync: () => (guard("sync", "*"), this.sync()),
    };
  }

  list(): string[] {
    const names: string[] = [];
    for (const [name, state] of this.files) if (state.current !== null) names.push(name);
    return names.sort();
  }

  read(file: string): Uint8Array | undefined {
    const state = this.files.get(file);
    if (state === undefined || state.current === null) return undefined;
    return concat(state).slice();
  }

  append(file: string, bytes: Uint8Array): void {
    this.checkWrite("append", file, bytes);
    const state = this.stateOf(file);
    const copy = copyBytes(bytes);
    // Only a first unsynced append directly on top of the durable content can tear.
    if (!state.dirty) state.firstPendingAppend = copy;
    if (state.current === null) {
      state.current = [];
      state.currentBytes = 0;
    }
    state.current.push(copy);
    state.currentBytes += bytes.length;
    this.visibleBytes += bytes.length;
    state.dirty = true;
    this.trace("disk.append", new WriteDetail(file, bytes.length, digest32(bytes)));
  }

  overwrite(file: string, bytes: Uint8Array): void {
    this.checkWrite("overwrite", file, bytes);
    const state = this.stateOf(file);
    if (!state.dirty) state.firstPendingAppend = null;
    this.visibleBytes += bytes.length - state.currentBytes;
    state.current = [copyBytes(bytes)];
    state.currentBytes = bytes.length;
    state.dirty = true;
    this.trace("disk.overwrite", new WriteDetail(file, bytes.length, digest32(bytes)));
  }

  remove(file: string): void {
    this.checkName("remove", file);
    const state = this.files.get(file);
    if (state === undefined || state.current === null) return;
    if (!state.dirty) state.firstPendingAppend = null;
    this.visibleBytes -= state.currentBytes;
    state.current = null;
    state.currentBytes = 0;
    state.dirty = true;
    this.trace("disk.remove", `file=${file}`);
  }

  sync(): void {
    if (this.syncFailuresLeft > 0) {
      this.syncFailuresLeft--;
      this.trace("disk.sync-failed", "injected device error");
      throw new DiskIoError(this.nodeId, "sync", "*", "injected device error (fsync returned EIO)");
    }
    // Deleting the entry being visited is safe while iterating a Map (no copy: this runs on every persist).
    for (const [name, state] of this.files) {
      if (!state.dirty) continue;
      if (state.current === null) {
        this.files.delete(name);
        continue;
      }
      state.durable = { chunks: state.current, count: state.current.length, bytes: state.currentBytes };
      state.dirty = false;
      state.firstPendingAppend = null;
    }
    this.trace("disk.sync", "");
  }

  /** The host died: drop unsynced writes, optionally leaving torn prefixes. Returns files torn. */
  crash(torn: boolean, random: SimRandom): string[] {
    const tornFiles: string[] = [];
    for (const name of [...this.files.keys()].sort()) {
      const state = this.files.get(name)!;
      if (!state.dirty) continue;
      let survivor = state.durable === null ? null : durableBytes(state.durable);
      const append = state.firstPendingAppend;
      if (torn && append !== null && append.length > 1) {
        const keep = random.nextInt(1, append.length - 1);
        survivor = joinBytes(survivor ?? new Uint8Array(0), append.subarray(0, keep));
        tornFiles.push(name);
        this.trace("disk.torn", `file=${name} kept=${keep}/${append.length}`);
      }
      if (survivor === null) {
        this.files.delete(name);
        continue;
      }
      state.current = [survivor];
      state.durable = { chunks: state.current, count: 1, bytes: survivor.length };
      state.currentBytes = survivor.length;
      state.dirty = false;
      state.firstPendingAppend = null;
    }
    this.visibleBytes = 0;
    for (const state of this.files.values()) this.visibleBytes += state.currentBytes;
    return tornFiles;
  }

  /** Flip `count` random bits in the durable content of `file` (and its clean cached view). */
  flipBits(file: string, count: number, random: SimRandom): number[] {
    const state = this.files.get(file);
    if (state === undefined || state.durable === null || state.durable.bytes === 0) return [];
    const rotted = durableBytes(state.durable).slice();
    const flipped: number[] = [];
    for (let i = 0; i < count; i++) {
      const bit = random.nextInt(0, rotted.length * 8 - 1);
      rotted[bit >> 3]! ^= 1 << (bit & 7);
      flipped.push(bit);
    }
    if (!state.dirty) {
      state.current = [rotted];
      state.currentBytes = rotted.length;
      state.durable = { chunks: state.current, count: 1, bytes: rotted.length };
    } else {
      state.durable = { chunks: [rotted], count: 1, bytes: rotted.length };
    }
    this.trace("disk.bitflip", `file=${file} bits=${flipped.join(",")}`);
    return flipped;
  }

  /** Durable files with content, sorted: candidates for bit rot. */
  durableFiles(): string[] {
    const names: string[] = [];
    for (const [name, state] of this.files) if (state.durable !== null && state.durable.bytes > 0) names.push(name);
    return names.sort();
  }

  /** An operator replaced the disk (or ran mkfs): every file is gone, durable or not. */
  wipe(): void {
    const files = this.files.size;
    this.files.clear();
    this.visibleBytes = 0;
    this.syncFailuresLeft = 0;
    this.trace("disk.wipe", `files=${files}`);
  }

  failNextSyncs(count: number): void {
    this.syncFailuresLeft = count;
  }

  /** Bytes visible to readers across all files. */
  usedBytes(): number {
    return this.visibleBytes;
  }

  private stateOf(file: string): FileState {
    let state = this.files.get(file);
    if (state === undefined) {
      state = { durable: null, current: null, currentBytes: 0, dirty: false, firstPendingAppend: null };
      this.files.set(file, state);
    }
    return state;
  }

  private checkName(op: string, file: string): void {
    if (typeof file !== "string" || file.length === 0 || file.length > this.config.maxFileNameChars || file.includes("/")) {
      throw new DiskIoError(this.nodeId, op, String(file), `file names must be 1..${this.config.maxFileNameChars} chars without "/"`);
    }
  }

  private checkWrite(op: string, file: string, bytes: Uint8Array): void {
    this.checkName(op, file);
    if (!(bytes instanceof Uint8Array)) throw new DiskIoError(this.nodeId, op, file, "payload must be a Uint8Array");
    const existing = this.files.get(file)?.currentBytes ?? 0;
    const after = this.usedBytes() - (op === "overwrite" ? existing : 0) + bytes.length;
    if (after > this.config.capacityBytes) {
      throw new DiskIoError(this.nodeId, op, file, `disk full: ${after} bytes needed, capacity ${this.config.capacityBytes}`);
    }
  }
}

function concat(state: FileState): Uint8Array {
  const chunks = state.current!;
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(state.currentBytes);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  state.current = [out]; // cache the join so repeated reads stay linear
  return out;
}

function joinBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
