import { StringDecoder } from "node:string_decoder";

/**
 * Turns a child's byte stream into bounded lines: UTF-8 decoded across chunk
 * boundaries, `\r` and control characters stripped (serial consoles emit both),
 * and any line longer than `maxLineChars` cut, with the rest of it skipped.
 */
export class BoundedLineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";
  private skippingRestOfLine = false;

  constructor(
    private readonly maxLineChars: number,
    private readonly emit: (line: string) => void,
  ) {}

  push(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    let start = 0;
    // Bounded by the chunk length: every iteration consumes at least one character or returns.
    for (;;) {
      const newline = text.indexOf("\n", start);
      if (newline === -1) {
        this.accept(text.slice(start), false);
        return;
      }
      this.accept(text.slice(start, newline), true);
      start = newline + 1;
    }
  }

  /** Emit what is left once the stream has ended. */
  end(): void {
    this.accept(this.decoder.end(), true);
  }

  private accept(piece: string, lineComplete: boolean): void {
    if (!this.skippingRestOfLine) {
      this.partial += piece;
      if (this.partial.length > this.maxLineChars) {
        this.emit(`${clean(this.partial.slice(0, this.maxLineChars))} …[line cut at ${this.maxLineChars} chars]`);
        this.partial = "";
        this.skippingRestOfLine = true;
      }
    }
    if (!lineComplete) return;
    if (!this.skippingRestOfLine && this.partial.length > 0) this.emit(clean(this.partial));
    this.partial = "";
    this.skippingRestOfLine = false;
  }
}

// Keep tab; drop other C0 controls and DEL (terminal escapes, carriage returns).
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

function clean(line: string): string {
  return line.replace(CONTROL_CHARACTERS, "");
}

/**
 * At most `maxLinesPerSec` lines per one-second window; counts what it refuses
 * so the caller can report the loss instead of hiding it.
 */
export class LineRateLimiter {
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private linesInWindow = 0;
  private droppedSinceReport = 0;

  constructor(
    private readonly maxLinesPerSec: number,
    private readonly nowMs: () => number,
  ) {}

  /** True if the line may pass. */
  admit(): boolean {
    const now = this.nowMs();
    if (now - this.windowStartMs >= 1_000) {
      this.windowStartMs = now;
      this.linesInWindow = 0;
    }
    if (this.linesInWindow < this.maxLinesPerSec) {
      this.linesInWindow++;
      return true;
    }
    this.droppedSinceReport++;
    return false;
  }

  /** Lines refused since the last call. */
  takeDroppedCount(): number {
    const dropped = this.droppedSinceReport;
    this.droppedSinceReport = 0;
    return dropped;
  }
}
