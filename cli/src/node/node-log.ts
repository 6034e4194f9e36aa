import { Chalk } from "chalk";
import type { TraceFields, Tracer } from "@blixard/core";

/**
 * The node process's log: one line per record, JSON (`--log-format json`, for
 * log shippers: `{"time","level","node","msg",...fields}`) or human text (the
 * default on a terminal). Lifecycle lines go through `info`/`warn`/`error`;
 * the node's trace goes through `tracer()`: warnings as `warn`, the events an
 * operator follows (elections, snapshots, VMs, peers learned) as `info`, the
 * rest as `debug`. A warning repeating (a peer down: a dial failure every
 * backoff) is printed once per `REPEAT_WINDOW_MS` per kind and peer, with how
 * many were held back.
 */
export const LOG_FORMATS = ["json", "text"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
/** Trace events an operator follows: logged at info, every other event at debug. */
const INFO_EVENTS = new Set([
  "node-started",
  "runtime.started",
  "role-changed",
  "snapshot-taken",
  "snapshot-installed",
  "net.peer-learned",
  "peer-address-learned",
  "host-lease-regained",
  "vm-start",
  "vm-stop",
  "vm-kill",
  "vm-exit",
]);
const REPEAT_WINDOW_MS = 10_000;
/** Distinct repeating warnings tracked at once; past it the oldest is forgotten. */
const REPEAT_KEYS_MAX = 256;
const FIELD_CHARS_MAX = 2_000;

export interface LogSink {
  /** info and debug lines. */
  out(line: string): void;
  /** warn and error lines. */
  err(line: string): void;
}

export class NodeLog {
  private readonly chalk: InstanceType<typeof Chalk>;
  private readonly repeats = new Map<string, { sinceMs: number; held: number }>();

  constructor(
    private readonly nodeId: string,
    private readonly format: LogFormat,
    private readonly level: LogLevel,
    private readonly sink: LogSink,
    options: { color?: boolean; nowMs?: () => number } = {},
  ) {
    this.chalk = new Chalk({ level: options.color === true && format === "text" ? 1 : 0 });
    this.nowMs = options.nowMs ?? Date.now;
  }

  private readonly nowMs: () => number;

  debug(msg: string, fields?: TraceFields): void {
    this.write("debug", msg, fields);
  }

  info(msg: string, fields?: TraceFields): void {
    this.write("info", msg, fields);
  }

  warn(msg: string, fields?: TraceFields): void {
    this.write("warn", msg, fields);
  }

  error(msg: string, fields?: TraceFields): void {
    this.write("error", msg, fields);
  }

  /** The node's trace as log records (see the class comment). */
  tracer(): Tracer {
    return {
      event: (kind, fields) => this.write(INFO_EVENTS.has(kind) ? "info" : "debug", kind, fields),
      warn: (kind, fields) => {
        const held = this.holdRepeat(kind, fields);
        if (held === null) return;
        this.write("warn", kind, held === 0 ? fields : { ...fields, repeatedSinceLast: held });
      },
    };
  }

  /** null: suppress this repeat; else how many were held back since the last one printed. */
  private holdRepeat(kind: string, fields: TraceFields | undefined): number | null {
    const key = `${kind}\u0000${String(fields?.["peer"] ?? fields?.["to"] ?? "")}`;
    const nowMs = this.nowMs();
    const seen = this.repeats.get(key);
    if (seen !== undefined && nowMs - seen.sinceMs < REPEAT_WINDOW_MS) {
      seen.held++;
      return null;
    }
    this.repeats.delete(key);
    if (this.repeats.size >= REPEAT_KEYS_MAX) this.repeats.delete(this.repeats.keys().next().value as string);
    this.repeats.set(key, { sinceMs: nowMs, held: 0 });
    return seen?.held ?? 0;
  }

  private write(level: LogLevel, msg: string, fields: TraceFields | undefined): void {
    if (RANK[level] < RANK[this.level]) return;
    const line = this.format === "json" ? this.json(level, msg, fields) : this.text(level, msg, fields);
    if (RANK[level] >= RANK.warn) this.sink.err(line);
    else this.sink.out(line);
  }

  private json(level: LogLevel, msg: string, fields: TraceFields | undefined): string {
    const record: Record<string, unknown> = { time: new Date(this.nowMs()).toISOString(), level, node: this.nodeId, msg: cut(msg) };
    for (const [name, value] of Object.entries(fields ?? {})) {
      // A trace field repeating the record's own (node) adds nothing; a different value is kept, renamed.
      if (value === undefined || record[name] === value) continue;
      record[name in record ? `field.${name}` : name] = typeof value === "string" ? cut(value) : typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
    }
    return JSON.stringify(record);
  }

  private text(level: LogLevel, msg: string, fields: TraceFields | undefined): string {
    const tag = { debug: this.chalk.gray("DEBUG"), info: this.chalk.cyan("INFO "), warn: this.chalk.yellow("WARN "), error: this.chalk.red("ERROR") }[level];
    // A hint is for the person reading: its own line, as the CLI prints one.
    const hint = typeof fields?.["hint"] === "string" ? `\n  hint: ${fields["hint"]}` : "";
    const extra = Object.entries(fields ?? {})
      .filter(([name, value]) => value !== undefined && name !== "hint")
      .map(([name, value]) => `${name}=${typeof value === "string" && /[\s"=]/.test(value) ? JSON.stringify(cut(value)) : String(value)}`)
      .join(" ");
    return `${this.chalk.gray(new Date(this.nowMs()).toISOString())} ${tag} ${msg}${extra === "" ? "" : ` ${this.chalk.gray(extra)}`}${hint}`;
  }
}

/** A tracer that hands every record to each of `tracers` (a trace file and the log). */
export function teeTracer(...tracers: Tracer[]): Tracer {
  return {
    event: (kind, fields) => {
      for (const t of tracers) t.event(kind, fields);
    },
    warn: (kind, fields) => {
      for (const t of tracers) t.warn(kind, fields);
    },
  };
}

function cut(text: string): string {
  return text.length <= FIELD_CHARS_MAX ? text : `${text.slice(0, FIELD_CHARS_MAX)}…(${text.length} chars)`;
}
