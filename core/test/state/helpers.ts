import type { Entry } from "../../src/raft/log-types";
import { encodeCommandEnvelope, type CommandEnvelope } from "../../src/state/envelope";

/** A log builder: entries with consecutive indexes, one term unless told otherwise. */
export class LogBuilder {
  readonly entries: Entry[] = [];
  term = 1;

  command(command: unknown, client?: { clientId: string; seq: number }, module = "kv"): Entry {
    const envelope: CommandEnvelope = { module, proposedAtMs: 1000 + this.entries.length, command, ...(client ?? {}) };
    return this.raw(encodeCommandEnvelope(envelope));
  }

  raw(data: string, kind: Entry["kind"] = "normal"): Entry {
    const entry: Entry = { index: this.entries.length + 1, term: this.term, kind, data };
    this.entries.push(entry);
    return entry;
  }
}
