import { closeSync, constants, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { flockSync } from "fs-ext";

/**
 * One process per data directory, enforced by the kernel.
 *
 * The holder keeps an exclusive flock(2) on `<dataDir>/LOCK` for as long as it
 * lives. The kernel drops the lock when the last descriptor closes, which a
 * dying process does whatever way it dies (SIGKILL, OOM, crash), so there is no
 * stale lock to clean up and no pid-file guessing. Node opens files with
 * O_CLOEXEC, so VM processes the node spawns never inherit the lock.
 *
 * The file's content (pid, host, start time, node id) is only a description of
 * the holder for the error a second process prints; the lock is the flock.
 */
export const LOCK_FILE = "LOCK";

/** Who holds (or last held) a data directory, as its LOCK file records it. */
export interface DataDirHolder {
  readonly pid: number;
  readonly host: string;
  readonly nodeId: string;
  /** ISO time at which the holder took the lock. */
  readonly lockedAt: string;
}

/** Thrown when another process holds the data directory. */
export class DataDirLockedError extends Error {
  readonly code = "data-dir-locked";
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirHolder | null,
  ) {
    super(
      `data directory ${dataDir} is held by ${holder === null ? "another process (it has not yet recorded who it is)" : describeHolder(holder)}; ` +
        "two nodes on one data directory would corrupt it",
    );
    this.name = "DataDirLockedError";
  }
}

/** Largest LOCK file content read back for the error message. */
const HOLDER_RECORD_BYTES_MAX = 4096;

export class DataDirLock {
  private fd: number | null;

  private constructor(
    readonly dataDir: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /**
   * Creates the directory if needed and takes the lock without waiting.
   * Throws DataDirLockedError if another process holds it; other errors (no
   * permission, not a directory) propagate as the system reported them.
   */
  static acquire(dataDir: string, nodeId: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const fd = openSync(join(dataDir, LOCK_FILE), constants.O_RDWR | constants.O_CREAT, 0o644);
    try {
      flockSync(fd, "exnb");
    } catch (error) {
      const holder = isWouldBlock(error) ? readHolder(fd) : undefined;
      closeSync(fd);
      if (holder !== undefined) throw new DataDirLockedError(dataDir, holder);
      throw error;
    }
    const record: DataDirHolder = { pid: process.pid, host: hostname(), nodeId, lockedAt: new Date().toISOString() };
    ftruncateSync(fd, 0);
    writeSync(fd, `${JSON.stringify(record)}\n`, 0);
    return new DataDirLock(dataDir, fd);
  }

  get held(): boolean {
    return this.fd !== null;
  }

  /** Gives the directory up (closing the descriptor drops the flock). Idempotent. */
  release(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }
}

export function describeHolder(holder: DataDirHolder): string {
  return `node ${holder.nodeId} (pid ${holder.pid} on ${holder.host}, since ${holder.lockedAt})`;
}

function isWouldBlock(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EWOULDBLOCK" || code === "EAGAIN";
}

/** The holder's record, or null when it is empty or unreadable (the holder is between flock and write). */
function readHolder(fd: number): DataDirHolder | null {
  const size = Math.min(fstatSync(fd).size, HOLDER_RECORD_BYTES_MAX);
  if (size === 0) return null;
  const buffer = Buffer.alloc(size);
  const read = readSync(fd, buffer, 0, size, 0);
  try {
    const value: unknown = JSON.parse(buffer.subarray(0, read).toString("utf8"));
    if (typeof value !== "object" || value === null) return null;
    const { pid, host, nodeId, lockedAt } = value as Record<string, unknown>;
    if (!Number.isSafeInteger(pid) || typeof host !== "string" || typeof nodeId !== "string" || typeof lockedAt !== "string") return null;
    return { pid: pid as number, host, nodeId, lockedAt };
  } catch {
    return null;
  }
}
