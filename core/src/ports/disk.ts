/**
 * A node's local disk: a flat set of named files.
 *
 * Semantics every runtime must honour (the port contract suite checks them):
 * - `read` returns what was last written, synced or not (like the page cache).
 * - After a crash, only what was covered by a `sync` survives. An unsynced
 *   append may survive in part (torn); stored bytes may rot (bit flips). Readers
 *   must detect both by checksum; the disk does not.
 * - `overwrite` replaces a file's whole content atomically once synced
 *   (write-temp-and-rename on a real filesystem).
 */
export interface Disk {
  /** Names of all files, sorted. */
  list(): string[];
  /** Whole content of a file, or undefined if it does not exist. */
  read(file: string): Uint8Array | undefined;
  /** Append bytes to a file, creating it if needed. */
  append(file: string, bytes: Uint8Array): void;
  /** Replace a file's content, creating it if needed. */
  overwrite(file: string, bytes: Uint8Array): void;
  /** Delete a file; deleting a missing file is a no-op. */
  remove(file: string): void;
  /** Make every write so far durable (fsync). Returns once it is. */
  sync(): void;
}

/** Thrown by a runtime when the device itself fails (not for corruption, which readers detect). */
export class DiskIoError extends Error {
  constructor(
    readonly nodeId: string,
    readonly op: string,
    readonly file: string,
    readonly detail: string,
  ) {
    super(`disk ${op} of ${file} failed on node ${nodeId}: ${detail}`);
    this.name = "DiskIoError";
  }
}
