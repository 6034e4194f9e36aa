import { closeSync, fstatSync, openSync, renameSync, writeSync } from "node:fs";

/**
 * A VM's console, kept on disk as it arrives (raw bytes, every line, also
 * those the spawner's output rate limit keeps from its events), bounded:
 * past `bytesMax` the file becomes `<path>.1` (replacing the one before) and
 * a fresh one starts. A write that fails (disk full) stops the log, never
 * the VM; `failure` says why.
 */
export class ConsoleLog {
  private fd: number | null;
  private bytes: number;
  failure: string | null = null;

  constructor(private readonly path: string, private readonly bytesMax: number) {
    this.fd = openSync(path, "a", 0o640);
    this.bytes = fstatSync(this.fd).size;
  }

  write(chunk: Uint8Array | string): void {
    if (this.fd === null) return;
    try {
      const data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      if (this.bytes + data.length > this.bytesMax && this.bytes > 0) this.rotate();
      writeSync(this.fd, data);
      this.bytes += data.length;
    } catch (error) {
      this.failure = (error as Error).message;
      this.close();
    }
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  private rotate(): void {
    closeSync(this.fd!);
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, "a", 0o640);
    this.bytes = 0;
  }
}
