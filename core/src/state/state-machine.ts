import { assert, err, ok, type BlixardError, type Result } from "../errors";
import { invalidRequest } from "../protocol/client-errors";
import type { Entry, EntryKind } from "../raft/log-types";
import { canonicalJson } from "./canonical-json";
import { fnv64FromHex, fnv64Offset, fnv64String, RollingDigest, type Fnv64 } from "./digest";
import { foldMeasured } from "./result-fold";
import { decodeCommandEnvelope, type CommandEnvelope } from "./envelope";
import type { ApplyContext } from "./module";
import { isQueryable, type AnyStateModule } from "./queryable";
import { compareStrings, defaultSessionLimits, SessionTable, type SessionLimits } from "./sessions";

/** What applying one committed entry produced; the node answers waiting clients from it. */
export interface ApplyOutcome {
  readonly index: number;
  readonly term: number;
  readonly kind: EntryKind;
  /** Module the command named, or null (noop, config, undecodable). */
  readonly module: string | null;
  readonly clientId: string | null;
  readonly seq: number | null;
  /** True when (clientId, seq) had already applied: `result` is the cached one and nothing was re-applied. */
  readonly duplicate: boolean;
  /** The command's result or error; null for noop and config entries. */
  readonly result: Result<unknown> | null;
}

export interface StateMachineOptions {
  readonly sessions?: SessionLimits;
}

const snapshotVersion = 1;

/**
 * The replicated state machine: modules plus client sessions, applied from
 * committed entries in index order. Every outcome — including an undecodable
 * or invalid command — is a deterministic value, so replicas never diverge.
 *
 * Digest: `digest` is a rolling 64-bit hash (digest.ts) folded over every applied entry
 * (index, term, kind, data) and its result (its canonical JSON value, folded on its own and then added:
 * result-fold.ts). Replicas at the same
 * appliedIndex must hold the same rolling digest; it is O(entry) per apply and
 * travels in the snapshot, so a restored replica continues the same chain.
 * It checks the history of results, not the state image; `stateDigest()`
 * hashes the full canonical snapshot for the occasional deep comparison.
 */
export class StateMachine {
  private readonly modules = new Map<string, AnyStateModule>();
  private readonly sessions: SessionTable;
  private readonly rolling = new RollingDigest();
  /** The result applyCommand just folded into `resultFold` (with its JSON bound), so apply need not walk it again. */
  private checkedResult: unknown = null;
  private checkedBound = -1;
  private readonly resultFold = new RollingDigest();
  private index = 0;
  private term = 0;

  constructor(modules: readonly AnyStateModule[], options: StateMachineOptions = {}) {
    for (const module of [...modules].sort((a, b) => compareStrings(a.name, b.name))) {
      assert(!this.modules.has(module.name), "unique-module-names", () => `module "${module.name}" registered twice`);
      this.modules.set(module.name, module);
    }
    this.sessions = new SessionTable(options.sessions ?? defaultSessionLimits);
  }

  get appliedIndex(): number {
    return this.index;
  }

  get appliedTerm(): number {
    return this.term;
  }

  /** Rolling digest after the last applied entry, 16 hex digits. */
  get digest(): string {
    return this.rolling.hex();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  module(name: string): AnyStateModule | undefined {
    return this.modules.get(name);
  }

  apply(entry: Entry): ApplyOutcome {
    assert(entry.index === this.index + 1, "apply-in-order", () => `applying index ${entry.index} after ${this.index}`);
    assert(entry.term >= this.term, "apply-terms-monotonic", () => `term ${entry.term} at index ${entry.index} after term ${this.term}`);
    const outcome = entry.kind === "normal" ? this.applyCommand(entry) : blankOutcome(entry);
    this.index = entry.index;
    this.term = entry.term;
    // Fed piece by piece: concatenating first would copy the entry's data once more per apply.
    const d = this.rolling;
    d.addInteger(entry.index);
    d.addInteger(entry.term);
    d.addString(entry.kind);
    d.addUnit(0);
    d.addString(entry.data);
    d.addUnit(0);
    d.addUnit(outcome.duplicate ? 1 : 0);
    if (outcome.result !== null) {
      const bound = outcome.result === this.checkedResult ? this.checkedBound : this.foldResult(outcome.result);
      if (bound >= 0) {
        d.addUnit(0x1b);
        d.addDigest(this.resultFold);
      } else {
        d.addUnit(0x1c);
        d.addString(canonicalJson(outcome.result));
      }
    }
    this.checkedResult = null;
    d.addUnit(1);
    return outcome;
  }

  /** A read-only query against applied state (after ReadIndex), without a log entry. */
  query(moduleName: string, query: unknown): Result<unknown> {
    const module = this.modules.get(moduleName);
    if (module === undefined) return err(unknownModule(moduleName, [...this.modules.keys()], "query"));
    if (!isQueryable(module)) return err(invalidRequest("module", `module "${moduleName}" answers no queries`));
    return module.query(query);
  }

  private applyCommand(entry: Entry): ApplyOutcome {
    const decoded = decodeCommandEnvelope(entry.data);
    if (!decoded.ok) return outcomeOf(entry, null, decoded);
    const envelope = decoded.value;
    if (envelope.clientId === undefined || envelope.seq === undefined) return outcomeOf(entry, envelope, this.run(envelope, entry));
    const check = this.sessions.check(envelope.clientId, envelope.seq);
    if (check.kind === "retry") return outcomeOf(entry, envelope, check.result as Result<unknown>, true);
    if (check.kind === "rejected") return outcomeOf(entry, envelope, err(check.error));
    const result = this.run(envelope, entry);
    const bound = this.foldResult(result);
    this.checkedResult = result;
    this.checkedBound = bound;
    if (bound >= 0) this.sessions.recordValue(envelope.clientId, envelope.seq, entry.index, result, bound);
    else this.sessions.record(envelope.clientId, envelope.seq, entry.index, canonicalJson(result));
    return outcomeOf(entry, envelope, result);
  }

  /**
   * A result into `resultFold`, structurally when it is canonical as it stands
   * (result-fold.ts: no JSON written), and its JSON bound; -1 when it is not,
   * and apply folds its canonical text instead. Folded from a fixed start so
   * it is a function of the result alone: apply adds it to the rolling digest.
   */
  private foldResult(result: Result<unknown>): number {
    this.resultFold.reset(fnv64Offset);
    return foldMeasured(this.resultFold, result);
  }

  private run(envelope: CommandEnvelope, entry: Entry): Result<unknown> {
    const module = this.modules.get(envelope.module);
    if (module === undefined) return err(unknownModule(envelope.module, [...this.modules.keys()], "envelope"));
    const command = module.validate(envelope.command);
    if (!command.ok) return command;
    const ctx: ApplyContext = { index: entry.index, term: entry.term, proposedAtMs: envelope.proposedAtMs };
    const outcome = module.apply(command.value, ctx);
    return isResult(outcome) ? outcome : ok(outcome);
  }

  /** Canonical image: applied position, rolling digest, sessions and every module, keys sorted. */
  snapshot(): string {
    const modules: Record<string, unknown> = {};
    for (const [name, module] of this.modules) modules[name] = module.snapshot();
    return canonicalJson({
      v: snapshotVersion,
      appliedIndex: this.index,
      appliedTerm: this.term,
      digest: this.digest,
      sessions: this.sessions.snapshot(),
      modules,
    });
  }

  /** Digest of the whole canonical state image: slower, for deep replica comparison. */
  stateDigest(): string {
    return fnv64String(this.snapshot());
  }

  /** Replace all state by a snapshot() image. On any error nothing changes. */
  restore(data: string): Result<void> {
    const parsed = parseSnapshotHeader(data, [...this.modules.keys()]);
    if (!parsed.ok) return parsed;
    const image = parsed.value;
    const backup = new Map([...this.modules].map(([name, module]) => [name, module.snapshot()]));
    const sessionsBackup = this.sessions.snapshot();
    const sessions = this.sessions.restore(image.sessions);
    if (!sessions.ok) return sessions;
    for (const [name, module] of this.modules) {
      try {
        module.restore(image.modules[name]);
      } catch (cause) {
        for (const [n, m] of this.modules) m.restore(backup.get(n));
        this.sessions.restore(sessionsBackup);
        return err(corrupt(`module "${name}" rejected its image: ${String(cause)}`));
      }
    }
    this.index = image.appliedIndex;
    this.term = image.appliedTerm;
    this.rolling.reset(image.rolling);
    return ok(undefined);
  }
}

interface SnapshotHeader {
  readonly appliedIndex: number;
  readonly appliedTerm: number;
  readonly rolling: Fnv64;
  readonly sessions: unknown;
  readonly modules: Record<string, unknown>;
}

function parseSnapshotHeader(data: string, moduleNames: readonly string[]): Result<SnapshotHeader> {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return err(corrupt("it is not valid JSON"));
  }
  const s = value as Record<string, unknown> | null;
  if (typeof s !== "object" || s === null || Array.isArray(s)) return err(corrupt("it is not an object"));
  if (s["v"] !== snapshotVersion) return err(corrupt(`version ${String(s["v"])} is not ${snapshotVersion}`));
  const { appliedIndex, appliedTerm, digest, modules } = s;
  if (!isCount(appliedIndex) || !isCount(appliedTerm)) return err(corrupt("appliedIndex/appliedTerm are not non-negative integers"));
  const rolling = typeof digest === "string" ? fnv64FromHex(digest) : null;
  if (rolling === null) return err(corrupt("digest is not 16 hex digits"));
  if (typeof modules !== "object" || modules === null || Array.isArray(modules)) return err(corrupt("modules is not an object"));
  const names = Object.keys(modules).sort();
  if (names.join("\u0000") !== moduleNames.join("\u0000")) {
    return err(corrupt(`it holds modules [${names.join(", ")}] but this node runs [${moduleNames.join(", ")}]`));
  }
  return ok({ appliedIndex, appliedTerm, rolling, sessions: s["sessions"], modules: modules as Record<string, unknown> });
}

/** One literal per outcome (object spreads here ran on every apply of every replica). */
function outcomeOf(entry: Entry, envelope: CommandEnvelope | null, result: Result<unknown>, duplicate = false): ApplyOutcome {
  return {
    index: entry.index,
    term: entry.term,
    kind: entry.kind,
    module: envelope === null ? null : envelope.module,
    clientId: envelope?.clientId ?? null,
    seq: envelope?.seq ?? null,
    duplicate,
    result,
  };
}

function blankOutcome(entry: Entry): ApplyOutcome {
  return { index: entry.index, term: entry.term, kind: entry.kind, module: null, clientId: null, seq: null, duplicate: false, result: null };
}

function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== "object" || value === null) return false;
  const r = value as { ok?: unknown };
  return (r.ok === true && "value" in value) || (r.ok === false && "error" in value);
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function corrupt(why: string): BlixardError {
  return { code: "snapshot-corrupt", message: `state-machine snapshot rejected: ${why}`, hint: "fetch a fresh snapshot from the leader" };
}

function unknownModule(name: string, known: readonly string[], field: string): BlixardError {
  return invalidRequest(`${field}.module`, `module "${name}" is not one of: ${known.join(", ")}`);
}
