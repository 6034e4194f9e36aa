import { createWriteStream, type WriteStream } from "node:fs";
import type { TraceFields, Tracer } from "@blixard/core";

/**
 * Tracer port writing one JSON object per line:
 * `{"tsMs":..., "level":"event"|"warn", "node":"n1", "kind":"raft.elected", ...fields}`.
 * Real nodes stamp the wall clock here (the simulator never does); string
 * fields are cut at `maxFieldChars` so one bad value cannot flood the log.
 */
export interface JsonLinesTracerOptions {
  readonly nodeId: string;
  /** Receives each finished line, without the trailing newline. */
  readonly writeLine: (line: string) => void;
  /** Wall-clock source for `tsMs`; defaults to Date.now. */
  readonly wallClockMs?: () => number;
  readonly maxFieldChars?: number;
}

const DEFAULT_MAX_FIELD_CHARS = 2_000;
/** Field names the tracer owns; a caller's field with the same name is renamed, not allowed to overwrite. */
const RESERVED_FIELDS = new Set(["tsMs", "level", "node", "kind"]);

export class JsonLinesTracer implements Tracer {
  private readonly nodeId: string;
  private readonly writeLine: (line: string) => void;
  private readonly wallClockMs: () => number;
  private readonly maxFieldChars: number;

  constructor(options: JsonLinesTracerOptions) {
    this.nodeId = options.nodeId;
    this.writeLine = options.writeLine;
    this.wallClockMs = options.wallClockMs ?? Date.now;
    this.maxFieldChars = options.maxFieldChars ?? DEFAULT_MAX_FIELD_CHARS;
  }

  /** A tracer appending to a file; call `close()` on the result to flush it. */
  static toFile(nodeId: string, path: string): { tracer: JsonLinesTracer; close: () => Promise<void> } {
    const stream: WriteStream = createWriteStream(path, { flags: "a" });
    // A failing log file must not take the node down; the error goes to stderr once.
    stream.once("error", (error) => process.stderr.write(`blixard: trace file ${path} failed: ${error.message}\n`));
    const tracer = new JsonLinesTracer({ nodeId, writeLine: (line) => void stream.write(`${line}\n`) });
    const close = () => new Promise<void>((resolve) => stream.end(() => resolve()));
    return { tracer, close };
  }

  event(kind: string, fields?: TraceFields): void {
    this.write("event", kind, fields);
  }

  warn(kind: string, fields?: TraceFields): void {
    this.write("warn", kind, fields);
  }

  private write(level: "event" | "warn", kind: string, fields: TraceFields | undefined): void {
    const record: Record<string, string | number | boolean | null> = {
      tsMs: this.wallClockMs(),
      level,
      node: this.nodeId,
      kind: this.cut(kind),
    };
    for (const [name, value] of Object.entries(fields ?? {})) {
      if (value === undefined) continue;
      const key = RESERVED_FIELDS.has(name) ? `field.${name}` : name;
      record[key] = typeof value === "string" ? this.cut(value) : numberSafe(value);
    }
    this.writeLine(JSON.stringify(record));
  }

  private cut(text: string): string {
    return text.length <= this.maxFieldChars ? text : `${text.slice(0, this.maxFieldChars)}…(${text.length} chars)`;
  }
}

/** JSON has no NaN/Infinity; keep them readable instead of silently becoming null. */
function numberSafe(value: number | boolean | null): string | number | boolean | null {
  return typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
}
