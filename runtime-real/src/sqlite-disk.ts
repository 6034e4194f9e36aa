import Database from "better-sqlite3";
import { DiskIoError, type Disk } from "@blixard/core";

/**
 * Disk port over one SQLite database (better-sqlite3, synchronous).
 *
 * A file is a row in `files` plus ordered rows in `chunks`, so an append costs
 * one insert however long the file is. Every write since the last `sync()` sits
 * in one open transaction; `sync()` commits it with WAL + synchronous=FULL, so
 * the commit returns only once the WAL is fsynced. A process crash (or `crash()`)
 * rolls the open transaction back: exactly the unsynced writes are lost, as in
 * the simulator's disk model. Reads run on the same connection and so see
 * pending writes, like a page cache.
 *
 * Removing a file never deletes its chunks in one go: a compacted 16 MB log
 * segment is tens of thousands of rows, and one DELETE of them all held the
 * event loop for seconds (long enough to lose leadership). remove() drops the
 * file's row and names the file in `garbage`, both in the pending transaction;
 * a timer then deletes the orphaned chunks in batches of at most
 * `reclaimBatchBytes`, each a few milliseconds, that ride on the next sync's
 * commit (see reclaimStep), until none are left.
 * Garbage outlives a restart (the table is durable) and is reclaimed then.
 */
export interface SqliteDiskOptions {
  readonly nodeId: string;
  /** Database file path, e.g. `<dataDir>/disk.sqlite`. */
  readonly path: string;
  /** Chunk bytes one reclaim step deletes at most (one step runs in one event-loop turn). */
  readonly reclaimBatchBytes?: number;
  /** Reclaimed chunk bytes that may wait for one sync's commit (bounds what a commit adds). */
  readonly reclaimBytesPerSync?: number;
  /** Pause between reclaim steps while garbage is left. */
  readonly reclaimIntervalMs?: number;
  /** Told how long each sync that committed writes took (the fsync, for metrics). */
  readonly onSync?: (durationMs: number) => void;
}

export const DEFAULT_RECLAIM_BATCH_BYTES = 64 * 1024;
export const DEFAULT_RECLAIM_BYTES_PER_SYNC = 1024 * 1024;
/** Reclaim steps spent waiting for a sync before reclaiming commits on its own (an idle node syncs rarely). */
const RECLAIM_IDLE_STEPS_MAX = 100;
export const DEFAULT_RECLAIM_INTERVAL_MS = 5;
/** Rows one reclaim step looks at, whatever their size (small appends make many small rows). */
const RECLAIM_BATCH_ROWS_MAX = 1024;

interface Statements {
  readonly listFiles: Database.Statement<[], { name: string }>;
  readonly fileExists: Database.Statement<[string], { name: string }>;
  readonly readChunks: Database.Statement<[string], { bytes: Buffer }>;
  readonly lastSeq: Database.Statement<[string], { seq: number | null }>;
  readonly insertFile: Database.Statement<[string]>;
  readonly insertChunk: Database.Statement<[string, number, Buffer]>;
  readonly deleteChunks: Database.Statement<[string]>;
  readonly deleteFile: Database.Statement<[string]>;
  readonly listGarbage: Database.Statement<[], { name: string }>;
  readonly insertGarbage: Database.Statement<[string]>;
  readonly deleteGarbage: Database.Statement<[string]>;
  readonly chunkSizes: Database.Statement<[string, number], { seq: number; size: number }>;
  readonly deleteChunksUpTo: Database.Statement<[string, number]>;
}

const MAX_FILE_NAME_CHARS = 255;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS chunks (
    file TEXT NOT NULL,
    seq INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (file, seq)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS garbage (name TEXT PRIMARY KEY) WITHOUT ROWID;
`;

export class SqliteDisk implements Disk {
  private readonly nodeId: string;
  private readonly db: Database.Database;
  private readonly sql: Statements;
  private closed = false;
  /** Removed files whose chunks are still to be deleted (mirrors the `garbage` table). */
  private readonly garbage = new Set<string>();
  private reclaimTimer: NodeJS.Timeout | null = null;
  private readonly reclaimBatchBytes: number;
  private readonly reclaimBytesPerSync: number;
  private readonly reclaimIntervalMs: number;
  private reclaimedSinceSyncBytes = 0;
  private reclaimIdleSteps = 0;
  private readonly onSync: ((durationMs: number) => void) | undefined;

  private constructor(nodeId: string, db: Database.Database, options: SqliteDiskOptions) {
    this.nodeId = nodeId;
    this.db = db;
    this.onSync = options.onSync;
    this.reclaimBatchBytes = options.reclaimBatchBytes ?? DEFAULT_RECLAIM_BATCH_BYTES;
    this.reclaimIntervalMs = options.reclaimIntervalMs ?? DEFAULT_RECLAIM_INTERVAL_MS;
    this.reclaimBytesPerSync = options.reclaimBytesPerSync ?? DEFAULT_RECLAIM_BYTES_PER_SYNC;
    this.sql = {
      listFiles: db.prepare("SELECT name FROM files ORDER BY name"),
      fileExists: db.prepare("SELECT name FROM files WHERE name = ?"),
      readChunks: db.prepare("SELECT bytes FROM chunks WHERE file = ? ORDER BY seq"),
      lastSeq: db.prepare("SELECT max(seq) AS seq FROM chunks WHERE file = ?"),
      insertFile: db.prepare("INSERT OR IGNORE INTO files (name) VALUES (?)"),
      insertChunk: db.prepare("INSERT INTO chunks (file, seq, bytes) VALUES (?, ?, ?)"),
      deleteChunks: db.prepare("DELETE FROM chunks WHERE file = ?"),
      deleteFile: db.prepare("DELETE FROM files WHERE name = ?"),
      listGarbage: db.prepare("SELECT name FROM garbage ORDER BY name"),
      insertGarbage: db.prepare("INSERT OR IGNORE INTO garbage (name) VALUES (?)"),
      deleteGarbage: db.prepare("DELETE FROM garbage WHERE name = ?"),
      chunkSizes: db.prepare("SELECT seq, length(bytes) AS size FROM chunks WHERE file = ? ORDER BY seq LIMIT ?"),
      deleteChunksUpTo: db.prepare("DELETE FROM chunks WHERE file = ? AND seq <= ?"),
    };
    for (const row of this.sql.listGarbage.all()) this.garbage.add(row.name);
    this.scheduleReclaim();
  }

  /** Open (or create) the database; throws DiskIoError if the device or file is unusable. */
  static open(options: SqliteDiskOptions): SqliteDisk {
    try {
      const db = new Database(options.path);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.exec(SCHEMA);
      return new SqliteDisk(options.nodeId, db, options);
    } catch (error) {
      throw new DiskIoError(options.nodeId, "open", options.path, describe(error));
    }
  }

  list(): string[] {
    return this.run("list", "*", () => this.sql.listFiles.all().map((row) => row.name));
  }

  read(file: string): Uint8Array | undefined {
    return this.run("read", file, () => {
      if (this.sql.fileExists.get(file) === undefined) return undefined;
      const chunks = this.sql.readChunks.all(file).map((row) => row.bytes);
      return new Uint8Array(Buffer.concat(chunks));
    });
  }

  append(file: string, bytes: Uint8Array): void {
    this.write("append", file, () => {
      this.purgeIfGarbage(file);
      this.sql.insertFile.run(file);
      if (bytes.length === 0) return;
      const seq = (this.sql.lastSeq.get(file)?.seq ?? -1) + 1;
      this.sql.insertChunk.run(file, seq, toBuffer(bytes));
    });
  }

  overwrite(file: string, bytes: Uint8Array): void {
    // Atomic because delete + insert share the pending transaction that sync() commits as one.
    this.write("overwrite", file, () => {
      this.purgeIfGarbage(file);
      this.sql.insertFile.run(file);
      this.sql.deleteChunks.run(file);
      if (bytes.length > 0) this.sql.insertChunk.run(file, 0, toBuffer(bytes));
    });
  }

  remove(file: string): void {
    this.write("remove", file, () => {
      if (this.sql.deleteFile.run(file).changes === 0) return;
      // The chunks go later, a bounded batch at a time (see the class comment).
      this.sql.insertGarbage.run(file);
      this.garbage.add(file);
      this.scheduleReclaim();
    });
  }

  /** Removed files whose chunks are not all deleted yet. */
  garbageFiles(): string[] {
    return [...this.garbage].sort();
  }

  /**
   * Deletes at most `reclaimBatchBytes` (and a bounded number of rows) of
   * removed files' chunks inside the pending transaction, opening one if
   * needed: the deletions ride on the next sync's commit, so reclaiming costs
   * no fsync of its own. Once `reclaimBytesPerSync` wait for a sync, it
   * pauses; if no sync comes for RECLAIM_IDLE_STEPS_MAX steps (an idle node),
   * it commits them itself. Returns whether garbage is left. The timer calls
   * it; tests and benchmarks may too.
   */
  reclaimStep(): boolean {
    const file = this.garbage.values().next().value;
    if (file === undefined) return false;
    this.run("reclaim", file, () => {
      if (this.reclaimedSinceSyncBytes >= this.reclaimBytesPerSync) {
        if (++this.reclaimIdleSteps < RECLAIM_IDLE_STEPS_MAX) return;
        this.sync();
      }
      if (!this.db.inTransaction) this.db.exec("BEGIN IMMEDIATE");
      let bytes = 0;
      let lastSeq = -1;
      const rows = this.sql.chunkSizes.all(file, RECLAIM_BATCH_ROWS_MAX);
      for (const row of rows) {
        if (lastSeq >= 0 && bytes + row.size > this.reclaimBatchBytes) break;
        bytes += row.size;
        lastSeq = row.seq;
      }
      if (lastSeq >= 0) this.sql.deleteChunksUpTo.run(file, lastSeq);
      this.reclaimedSinceSyncBytes += bytes;
      const done = rows.length === 0 || (rows.length < RECLAIM_BATCH_ROWS_MAX && rows[rows.length - 1]?.seq === lastSeq);
      if (done) {
        this.sql.deleteGarbage.run(file);
        this.garbage.delete(file);
      }
    });
    return this.garbage.size > 0;
  }

  sync(): void {
    this.reclaimedSinceSyncBytes = 0;
    this.reclaimIdleSteps = 0;
    this.run("sync", "*", () => {
      // db.inTransaction, not a flag of ours: SQLite may have rolled back on its own after an I/O error.
      if (!this.db.inTransaction) return;
      const startedMs = this.onSync === undefined ? 0 : performance.now();
      this.db.exec("COMMIT");
      this.onSync?.(performance.now() - startedMs);
    });
  }

  /** Clean shutdown: pending writes are committed (an OS flushes its page cache on shutdown too). */
  close(): void {
    if (this.closed) return;
    this.stopReclaim();
    this.sync();
    this.db.close();
    this.closed = true;
  }

  /** Model a process crash: drop every write since the last sync and close. */
  crash(): void {
    if (this.closed) return;
    this.stopReclaim();
    // Closing with a transaction open makes SQLite roll it back, as a killed process would.
    this.db.close();
    this.closed = true;
  }

  /** A name being created again while its old chunks await reclaim: delete them now (rare; never a log segment). */
  private purgeIfGarbage(file: string): void {
    if (!this.garbage.has(file)) return;
    this.sql.deleteChunks.run(file);
    this.sql.deleteGarbage.run(file);
    this.garbage.delete(file);
  }

  private scheduleReclaim(): void {
    if (this.reclaimTimer !== null || this.garbage.size === 0 || this.closed) return;
    this.reclaimTimer = setTimeout(() => {
      this.reclaimTimer = null;
      if (this.closed) return;
      try {
        if (this.reclaimStep()) this.scheduleReclaim();
      } catch {
        // A failing device shows up in the next write or sync, which the store turns into a failure value.
      }
    }, this.reclaimIntervalMs);
    this.reclaimTimer.unref();
  }

  private stopReclaim(): void {
    if (this.reclaimTimer !== null) clearTimeout(this.reclaimTimer);
    this.reclaimTimer = null;
  }

  private write(op: string, file: string, body: () => void): void {
    this.run(op, file, () => {
      // Same rule as the simulator's disk, so a name that works in simulation works here.
      if (typeof file !== "string" || file.length === 0 || file.length > MAX_FILE_NAME_CHARS || file.includes("/")) {
        throw new DiskIoError(this.nodeId, op, String(file), `file names must be 1..${MAX_FILE_NAME_CHARS} chars without "/"`);
      }
      if (!this.db.inTransaction) this.db.exec("BEGIN IMMEDIATE");
      body();
    });
  }

  private run<T>(op: string, file: string, body: () => T): T {
    if (this.closed) throw new DiskIoError(this.nodeId, op, file, "disk is closed (node shut down or crashed)");
    try {
      return body();
    } catch (error) {
      if (error instanceof DiskIoError) throw error;
      throw new DiskIoError(this.nodeId, op, file, describe(error));
    }
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
