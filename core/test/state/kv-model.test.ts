import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KvModule } from "../../src/state/kv/module";
import type { KvBatchOp, KvCommand, KvEntry } from "../../src/state/kv/types";
import { StateMachine } from "../../src/state/state-machine";
import { kvCommandArb } from "./arbitraries";
import { LogBuilder } from "./helpers";

/** The obvious reference: a plain Map, sorted on demand, batches applied to a copy. */
class KvModel {
  data = new Map<string, Omit<KvEntry, "key">>();

  apply(command: KvCommand, index: number): unknown {
    switch (command.type) {
      case "get":
        return { type: "get", entry: this.entry(command.key) };
      case "scan": {
        const keys = [...this.data.keys()]
          .filter((k) => k.startsWith(command.prefix) && (command.startAfter === null || k > command.startAfter))
          .sort();
        const page = keys.slice(0, command.limit);
        const more = keys.length > command.limit;
        return { type: "scan", entries: page.map((k) => this.entry(k)), nextCursor: more ? page[page.length - 1] : null };
      }
      case "batch": {
        const saved = new Map(this.data);
        const results: unknown[] = [];
        for (let i = 0; i < command.ops.length; i++) {
          const op = command.ops[i] as KvBatchOp;
          const result = this.write(op, index);
          results.push(result);
          if (op.type === "cas" && !(result as { swapped: boolean }).swapped) {
            this.data = saved;
            return { type: "batch", applied: false, failedOpIndex: i, results };
          }
        }
        return { type: "batch", applied: true, failedOpIndex: null, results };
      }
      default:
        return this.write(command, index);
    }
  }

  private write(op: KvBatchOp, index: number): unknown {
    const old = this.data.get(op.key);
    if (op.type === "delete") {
      this.data.delete(op.key);
      return { type: "delete", deleted: old !== undefined };
    }
    if (op.type === "cas" && (op.expected === null ? old !== undefined : old?.value !== op.expected)) {
      return { type: "cas", swapped: false, current: this.entry(op.key) };
    }
    const next = { value: op.value, createIndex: old?.createIndex ?? index, modIndex: index, version: (old?.version ?? 0) + 1 };
    this.data.set(op.key, next);
    if (op.type === "cas") return { type: "cas", swapped: true, current: this.entry(op.key) };
    const { createIndex, modIndex, version } = next;
    return { type: "put", created: old === undefined, written: { key: op.key, createIndex, modIndex, version } };
  }

  private entry(key: string): KvEntry | null {
    const found = this.data.get(key);
    return found === undefined ? null : { key, ...found };
  }
}

describe("kv: model-based test against a plain Map", () => {
  it("every result and the final state match the model", () => {
    fc.assert(
      fc.property(fc.array(kvCommandArb, { maxLength: 80 }), (commands) => {
        const sm = new StateMachine([new KvModule()]);
        const model = new KvModel();
        const log = new LogBuilder();
        for (const command of commands) {
          const entry = log.command(command);
          const outcome = sm.apply(entry);
          expect(outcome.result).toEqual({ ok: true, value: model.apply(command as KvCommand, entry.index) });
        }
        const all = sm.query("kv", { type: "scan", prefix: "", limit: 10_000 });
        expect(all).toEqual({ ok: true, value: model.apply({ type: "scan", prefix: "", startAfter: null, limit: 10_000 }, 0) });
      }),
      { numRuns: 150 },
    );
  });
});
