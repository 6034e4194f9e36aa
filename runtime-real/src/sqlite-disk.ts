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
 */
export interface SqliteDiskOptions {
  readonly nodeId: string;
  /** Database file path, e.g. `<dataDir>/disk.sqlite`. */
  readonly path: string;
}

interface Statements {
  readonly listFiles: Database.Statement<[], { name: string }>;
  readonly fileExists: Database.Statement<[string], { name: string }>;
  readonly readChunks: Database.Statement<[string], { bytes: Buffer }>;
  readonly lastSeq: Database.Statement<[string], { seq: number | null }>;
  readonly insertFile: Database.Statement<[string]>;
  readonly insertChunk: Database.Statement<[string, number, Buffer]>;
  readonly deleteChunks: Database.Statement<[string]>;
  readonly deleteFile: Database.Statement<[string]>;
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
`;

export class SqliteDisk implements Disk {
  private readonly nodeId: string;
  private readonly db: Database.Database;
  private readonly sql: Statements;
  private closed = false;

  private constructor(nodeId: string, db: Database.Database) {
    this.nodeId = nodeId;
    this.db = db;
    this.sql = {
      listFiles: db.prepare("SELECT name FROM files ORDER BY name"),
      fileExists: db.prepare("SELECT name FROM files WHERE name = ?"),
      readChunks: db.prepare("SELECT bytes FROM chunks WHERE file = ? ORDER BY seq"),
      lastSeq: db.prepare("SELECT max(seq) AS seq FROM chunks WHERE file = ?"),
      insertFile: db.prepare("INSERT OR IGNORE INTO files (name) VALUES (?)"),
      insertChunk: db.prepare("INSERT INTO chunks (file, seq, bytes) VALUES (?, ?, ?)"),
      deleteChunks: db.prepare("DELETE FROM chunks WHERE file = ?"),
      deleteFile: db.prepare("DELETE FROM files WHERE name = ?"),
    };
  }

  /** Open (or create) the database; throws DiskIoError if the device or file is unusable. */
  static open(options: SqliteDiskOptions): SqliteDisk {
    try {
      const db = new Database(options.path);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.exec(SCHEMA);
      return new SqliteDisk(options.nodeId, db);
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
      this.sql.insertFile.run(file);
      if (bytes.length === 0) return;
      const seq = (this.sql.lastSeq.get(file)?.seq ?? -1) + 1;
      this.sql.insertChunk.run(file, seq, toBuffer(bytes));
    });
  }

  overwrite(file: string, bytes: Uint8Array): void {
    // Atomic because delete + insert share the pending transaction that sync() commits as one.
    this.write("overwrite", file, () => {
      this.sql.insertFile.run(file);
      this.sql.deleteChunks.run(file);
      if (bytes.length > 0) this.sql.insertChunk.run(file, 0, toBuffer(bytes));
    });
  }

  remove(file: string): void {
    this.write("remove", file, () => {
      this.sql.deleteChunks.run(file);
      this.sql.deleteFile.run(file);
    });
  }

  sync(): void {
    this.run("sync", "*", () => {
      // db.inTransaction, not a flag of ours: SQLite may have rolled back on its own after an I/O error.
      if (this.db.inTransaction) this.db.exec("COMMIT");
    });
  }

  /** Clean shutdown: pending writes are committed (an OS flushes its page cache on shutdown too). */
  close(): void {
    if (this.closed) return;
    this.sync();
    this.db.close();
    this.closed = true;
  }

  /** Model a process crash: drop every write since the last sync and close. */
  crash(): void {
    if (this.closed) return;
    // Closing with a transaction open makes SQLite roll it back, as a killed process would.
    this.db.close();
    this.closed = true;
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
