import { err, ok, type Result } from "../errors";
import { duplicateStale, sessionExpired, type ClientError } from "../protocol/client-errors";

/**
 * Exactly-once client writes. Every client write carries (clientId, seq), and
 * a client has ONE request outstanding at a time: it sends seq n+1 only after
 * seq n was answered (or gave up on it). So one cached result per client
 * suffices:
 * - seq == lastSeq: a retry; answer the cached result, apply nothing;
 * - seq <  lastSeq: an old duplicate; "duplicate-stale", apply nothing;
 * - seq >  lastSeq: new; apply, then cache its result;
 * - unknown client: only seq 1 may open a session. A higher seq means the
 *   session was evicted (or never existed): "session-expired", because
 *   applying could double-apply a request whose session we forgot.
 *
 * Bounded by maxSessions: opening a session when full evicts the one whose
 * last applied command is oldest (smallest Raft index; ties impossible since
 * one entry touches one session, but broken by client id anyway). The table
 * keeps sessions in a Map ordered by lastAppliedIndex — each apply moves its
 * session to the end, and restore re-inserts in (lastAppliedIndex, clientId)
 * order — so the eviction victim is the first entry on every replica.
 *
 * Known limit (as in the Raft dissertation without register-client): if a
 * session is evicted after its seq-1 request applied but before the client saw
 * the answer, a retry of seq 1 applies again. Size maxSessions well above the
 * number of concurrently active clients.
 */
export interface Session {
  readonly clientId: string;
  readonly lastSeq: number;
  readonly lastAppliedIndex: number;
  /**
   * Canonical JSON of lastSeq's result, or null when it was too large to keep.
   * Kept as text so a retry answers the same bytes on a replica that applied
   * the command and on one that restored it from a snapshot.
   */
  readonly cachedResultJson: string | null;
}

export type SessionCheck =
  | { readonly kind: "new" }
  | { readonly kind: "retry"; readonly result: unknown }
  | { readonly kind: "rejected"; readonly error: ClientError };

export interface SessionLimits {
  /** Most client sessions kept; the idlest is evicted beyond this. */
  readonly maxSessions: number;
  /** Results whose canonical JSON exceeds this many UTF-16 units are not cached; a retry of one gets duplicate-stale. */
  readonly maxCachedResultChars: number;
}

export const defaultSessionLimits: SessionLimits = { maxSessions: 10_000, maxCachedResultChars: 64 * 1024 };

/**
 * A session as the table holds it: the cached result either as canonical JSON
 * text, or (for a result that is canonical as it stands, see result-fold.ts)
 * as the value itself, written as text only if a snapshot asks for it.
 */
interface HeldSession {
  readonly clientId: string;
  readonly lastSeq: number;
  readonly lastAppliedIndex: number;
  readonly resultJson: string | null;
  /** The result itself, or undefined when resultJson is its only form (or it was not cached). */
  readonly result: unknown;
}

export class SessionTable {
  private sessions = new Map<string, HeldSession>();

  constructor(private readonly limits: SessionLimits = defaultSessionLimits) {}

  get size(): number {
    return this.sessions.size;
  }

  get(clientId: string): Session | undefined {
    const held = this.sessions.get(clientId);
    return held === undefined ? undefined : imageOf(held);
  }

  check(clientId: string, seq: number): SessionCheck {
    const session = this.sessions.get(clientId);
    if (session === undefined) {
      return seq === 1 ? { kind: "new" } : { kind: "rejected", error: sessionExpired(clientId, seq) };
    }
    if (seq > session.lastSeq) return { kind: "new" };
    if (seq === session.lastSeq && session.result !== undefined) return { kind: "retry", result: session.result };
    if (seq === session.lastSeq && session.resultJson !== null) return { kind: "retry", result: JSON.parse(session.resultJson) };
    const why = seq === session.lastSeq ? "its result was too large to cache" : "only the latest result is kept";
    return { kind: "rejected", error: duplicateStale(clientId, seq, session.lastSeq, why) };
  }

  /** Record the canonical JSON result of a newly applied (clientId, seq) at Raft index `index`. */
  record(clientId: string, seq: number, index: number, resultJson: string): void {
    const cache = resultJson.length <= this.limits.maxCachedResultChars;
    this.hold({ clientId, lastSeq: seq, lastAppliedIndex: index, resultJson: cache ? resultJson : null, result: undefined });
  }

  /**
   * Record a result that is canonical as it stands (result-fold.ts), whose JSON
   * is at most `jsonBound` characters: kept as the value; its text is written
   * only for a snapshot. The caller must not change it afterwards.
   */
  recordValue(clientId: string, seq: number, index: number, result: unknown, jsonBound: number): void {
    if (jsonBound > this.limits.maxCachedResultChars) {
      this.record(clientId, seq, index, JSON.stringify(result));
      return;
    }
    this.hold({ clientId, lastSeq: seq, lastAppliedIndex: index, resultJson: null, result });
  }

  private hold(session: HeldSession): void {
    if (!this.sessions.delete(session.clientId)) this.evictIfFull();
    this.sessions.set(session.clientId, session);
  }

  private evictIfFull(): void {
    while (this.sessions.size >= this.limits.maxSessions) {
      const idlest = this.sessions.keys().next();
      if (idlest.done === true) return;
      this.sessions.delete(idlest.value);
    }
  }

  /** Sessions sorted by client id: the canonical image. */
  snapshot(): Session[] {
    return [...this.sessions.values()].map(imageOf).sort((a, b) => compareStrings(a.clientId, b.clientId));
  }

  /** Validate fully, then replace. On error the table is unchanged. */
  restore(image: unknown): Result<true> {
    const parsed = parseSessions(image);
    if (!parsed.ok) return parsed;
    if (parsed.value.length > this.limits.maxSessions) {
      return err({ code: "snapshot-corrupt", message: `snapshot holds ${parsed.value.length} sessions; maxSessions is ${this.limits.maxSessions}` });
    }
    const ordered = [...parsed.value].sort(
      (a, b) => a.lastAppliedIndex - b.lastAppliedIndex || compareStrings(a.clientId, b.clientId),
    );
    this.sessions = new Map(ordered.map((s) => [s.clientId, { clientId: s.clientId, lastSeq: s.lastSeq, lastAppliedIndex: s.lastAppliedIndex, resultJson: s.cachedResultJson, result: undefined }]));
    return ok(true);
  }
}

function parseSessions(image: unknown): Result<Session[]> {
  const corrupt = (why: string) => err({ code: "snapshot-corrupt", message: `snapshot sessions: ${why}` });
  if (!Array.isArray(image)) return corrupt("not an array");
  const seen = new Set<string>();
  const out: Session[] = [];
  for (let i = 0; i < image.length; i++) {
    const s = image[i] as Partial<Session> | null;
    const valid =
      typeof s === "object" && s !== null &&
      typeof s.clientId === "string" && s.clientId.length > 0 &&
      isPositiveInteger(s.lastSeq) && isPositiveInteger(s.lastAppliedIndex) &&
      (s.cachedResultJson === null || (typeof s.cachedResultJson === "string" && isJson(s.cachedResultJson)));
    if (!valid) return corrupt(`entry ${i} is malformed`);
    if (seen.has(s.clientId as string)) return corrupt(`client ${s.clientId} appears twice`);
    seen.add(s.clientId as string);
    out.push({
      cachedResultJson: s.cachedResultJson as string | null,
      clientId: s.clientId as string,
      lastAppliedIndex: s.lastAppliedIndex as number,
      lastSeq: s.lastSeq as number,
    });
  }
  return ok(out);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The image form of a held session (fields in sorted order: the snapshot's canonical JSON writes them natively). */
function imageOf(held: HeldSession): Session {
  const cachedResultJson = held.result !== undefined ? JSON.stringify(held.result) : held.resultJson;
  return { cachedResultJson, clientId: held.clientId, lastAppliedIndex: held.lastAppliedIndex, lastSeq: held.lastSeq };
}
