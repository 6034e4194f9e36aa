import { closeSync, openSync, writeSync } from "node:fs";

/** Buffered JSON-lines file writer: one write syscall per ~64 KiB. */
export class JsonLinesWriter {
  private readonly fd: number;
  private buffer = "";

  constructor(readonly path: string) {
    this.fd = openSync(path, "w");
  }

  write(record: unknown): void {
    this.buffer += `${JSON.stringify(record)}\n`;
    if (this.buffer.length >= 1 << 16) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.buffer.length > 0) {
      writeSync(this.fd, this.buffer);
      this.buffer = "";
    }
  }
}
