import type { Disk } from "../disk";
import type { RandomSource } from "../random";

/**
 * In-memory Disk with the port's crash semantics, for tests of anything that
 * stores data. Each file has a durable image (what survives a crash) and a
 * current image (what reads see). `sync` makes current durable; `crash` throws
 * away everything written since the last sync, except that the first unsynced
 * append may leave a torn prefix behind.
 *
 * Appends go into a growable buffer and the durable image shares it (it only
 * ever covers bytes below the durable length, which appends never touch), so
 * appending and syncing cost O(bytes written), not O(file size).
 */
interface FileImage {
  readonly buffer: Uint8Array;
  readonly length: number;
}

interface TornCandidate {
  readonly file: string;
  readonly bytes: Uint8Array;
  /** False when an earlier unsynced write to the same file makes a torn prefix meaningless. */
  readonly tornable: boolean;
}

export interface CrashOptions {
  /** Keep a strict prefix (possibly empty) of the first unsynced append, as a power cut mid-write would. */
  readonly tornWrite?: boolean;
  /** Chooses the torn length; without it, half the append (rounded down) survives. */
  readonly random?: Pick<RandomSource, "nextInt">;
}

export class MemoryDisk implements Disk {
  private current = new Map<string, FileImage>();
  private durable = new Map<string, FileImage>();
  private touchedSinceSync = new Set<string>();
  private firstUnsyncedAppend: TornCandidate | null = null;
  private syncs = 0;

  /** How many times sync() has been called: tests assert "one sync per persist". */
  get syncCount(): number {
    return this.syncs;
  }

  list(): string[] {
    return [...this.current.keys()].sort();
  }

  read(file: string): Uint8Array | undefined {
    const image = this.current.get(file);
    return image ? image.buffer.slice(0, image.length) : undefined;
  }

  append(file: string, bytes: Uint8Array): void {
    this.noteWrite(file, bytes);
    const image = this.current.get(file) ?? { buffer: new Uint8Array(0), length: 0 };
    let buffer = image.buffer;
    const length = image.length + bytes.length;
    if (length > buffer.length) {
      buffer = new Uint8Array(Math.max(length, buffer.length * 2, 256));
      buffer.set(image.buffer.subarray(0, image.length));
    }
    buffer.set(bytes, image.length);
    this.current.set(file, { buffer, length });
  }

  overwrite(file: string, bytes: Uint8Array): void {
    this.noteWrite(file, null);
    this.current.set(file, { buffer: bytes.slice(), length: bytes.length });
  }

  remove(file: string): void {
    this.noteWrite(file, null);
    this.current.delete(file);
  }

  sync(): void {
    this.syncs += 1;
    this.durable = new Map(this.current);
    this.touchedSinceSync.clear();
    this.firstUnsyncedAppend = null;
  }

  /** Power loss: reads now see only what was synced, plus an optional torn append. */
  crash(options: CrashOptions = {}): void {
    const torn = this.firstUnsyncedAppend;
    if (options.tornWrite && torn !== null && torn.tornable && torn.bytes.length > 0) {
      const keptBytes = options.random ? options.random.nextInt(0, torn.bytes.length - 1) : Math.floor(torn.bytes.length / 2);
      const before = this.durable.get(torn.file);
      const length = (before?.length ?? 0) + keptBytes;
      const buffer = new Uint8Array(length);
      if (before) buffer.set(before.buffer.subarray(0, before.length));
      buffer.set(torn.bytes.subarray(0, keptBytes), before?.length ?? 0);
      this.durable.set(torn.file, { buffer, length });
    }
    this.current = new Map(this.durable);
    this.touchedSinceSync.clear();
    this.firstUnsyncedAppend = null;
  }

  /** Bit rot: flips one bit of a file's durable bytes (reads see the flip too unless the file was replaced since the last sync). */
  flipBit(file: string, byteOffset: number, bit: number): void {
    const image = this.durable.get(file);
    if (!image || byteOffset < 0 || byteOffset >= image.length || bit < 0 || bit > 7) {
      throw new RangeError(`flipBit: ${file} has no durable byte ${byteOffset} / bit ${bit}`);
    }
    const flip = (source: FileImage): FileImage => {
      const buffer = source.buffer.slice();
      buffer[byteOffset] = (buffer[byteOffset] as number) ^ (1 << bit);
      return { buffer, length: source.length };
    };
    const seen = this.current.get(file);
    // Unsynced appends since the last sync share the durable buffer; the rotted byte is theirs too.
    if (seen && seen.buffer === image.buffer) this.current.set(file, flip(seen));
    this.durable.set(file, flip(image));
  }

  /** Copies of every file's durable bytes, by name in sorted order. */
  durableView(): Map<string, Uint8Array> {
    const view = new Map<string, Uint8Array>();
    for (const file of [...this.durable.keys()].sort()) {
      const image = this.durable.get(file) as FileImage;
      view.set(file, image.buffer.slice(0, image.length));
    }
    return view;
  }

  private noteWrite(file: string, appended: Uint8Array | null): void {
    if (this.firstUnsyncedAppend === null && appended !== null) {
      this.firstUnsyncedAppend = { file, bytes: appended.slice(), tornable: !this.touchedSinceSync.has(file) };
    }
    this.touchedSinceSync.add(file);
  }
}
