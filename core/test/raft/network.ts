import { Raft } from "../../src/raft/raft";
import type { ClusterConfig, Entry, HardState, NodeId, Snapshot } from "../../src/raft/log-types";
import { EMPTY_HARD_STATE } from "../../src/raft/log-types";
import type { RaftMessage } from "../../src/raft/messages";
import { parseRaftMessage } from "../../src/raft/message-validate";
import type { RaftConfig, ReadState, Ready } from "../../src/raft/types";
import { SeededRandom } from "./seeded-random";

/** What a node has made durable, as a driver's disk would hold it. */
export interface Storage {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

export interface TestNode {
  id: NodeId;
  raft: Raft;
  storage: Storage;
  /** The toy state machine: index → "term/kind/data" of every applied entry since the snapshot image. */
  applied: Map<number, string>;
  appliedIndex: number;
  readStates: ReadState[];
  /** Every Ready handed out (for flow-control and ordering assertions). */
  readies: Ready[];
}

export type ConfigOverrides = Partial<Omit<RaftConfig, "id" | "random">>;

export const defaultTestConfig = {
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 1,
  preVote: true,
  checkQuorum: true,
  maxEntriesPerAppend: 64,
  maxBytesPerAppend: 1 << 20,
  maxInflightAppends: 8,
  maxUncommittedEntries: 1000,
  snapshotChunkBytes: 1024,
} satisfies ConfigOverrides;

export const describeEntry = (e: Entry) => `${e.term}/${e.kind}/${e.data}`;

/**
 * etcd-style in-memory network of Raft nodes driven through Ready/advance:
 * persistence is synchronous, messages go through JSON and parseRaftMessage
 * (so every message sent is a valid wire message), and faults are `cut`,
 * `isolate`, `drop(from, to, pct)` and `recover`.
 */
export class Network {
  readonly nodes = new Map<NodeId, TestNode>();
  queue: RaftMessage[] = [];
  private readonly cuts = new Set<string>();
  private readonly dropPct = new Map<string, number>();
  private readonly rng: SeededRandom;
  /** Every message that was actually delivered, in order. */
  delivered: RaftMessage[] = [];
  /** Apply listener, e.g. for a state-machine-safety checker. */
  onApply: (node: NodeId, index: number, value: string) => void = () => {};
  shuffleDelivery = false;
  unreadableImages = 0;
  /** Rewrite a message in flight, or return null to drop it (fine-grained fault injection). */
  filter: (m: RaftMessage) => RaftMessage | null = (m) => m;

  constructor(
    ids: NodeId[],
    readonly options: { seed?: number; config?: ConfigOverrides; bootstrap?: ClusterConfig } = {},
  ) {
    this.rng = new SeededRandom((options.seed ?? 1) * 7919 + 17);
    const bootstrap = options.bootstrap ?? { voters: ids, learners: [], votersOutgoing: [] };
    for (const id of ids) this.addNode(id, bootstrap);
  }

  raftConfig(id: NodeId): RaftConfig {
    const seed = (this.options.seed ?? 1) * 1_000_003 + [...id].reduce((a, c) => a * 31 + c.charCodeAt(0), 7);
    return { leaseReads: null, ...defaultTestConfig, ...this.options.config, id, random: new SeededRandom(seed) } as RaftConfig;
  }

  /** Add a fresh node (empty storage) knowing `bootstrap` as its configuration. */
  addNode(id: NodeId, bootstrap: ClusterConfig): TestNode {
    const storage: Storage = { hardState: EMPTY_HARD_STATE, snapshot: null, entries: [] };
    const node: TestNode = {
      id,
      raft: new Raft(this.raftConfig(id), { hardState: storage.hardState, snapshot: null, entries: [], bootstrapConfig: bootstrap }),
      storage,
      applied: new Map(),
      appliedIndex: 0,
      readStates: [],
      readies: [],
    };
    (node as { bootstrap?: ClusterConfig }).bootstrap = bootstrap;
    this.nodes.set(id, node);
    return node;
  }

  node(id: NodeId): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  raft(id: NodeId): Raft {
    return this.node(id).raft;
  }

  /** Replace a node's durable state by a log with the given entry terms (index 1..n), then restart it. */
  loadLog(id: NodeId, terms: number[], hardState: Partial<HardState> = {}): void {
    const n = this.node(id);
    n.storage = {
      hardState: { term: Math.max(0, ...terms), votedFor: null, commit: 0, ...hardState },
      snapshot: null,
      entries: terms.map((term, i) => ({ index: i + 1, term, kind: "normal" as const, data: `e${i + 1}@${term}` })),
    };
    this.restart(id);
  }

  /** Crash and restart from durable storage only. */
  restart(id: NodeId): void {
    const n = this.node(id);
    const bootstrap = (n as { bootstrap?: ClusterConfig }).bootstrap as ClusterConfig;
    n.raft = new Raft(this.raftConfig(`${id}`), {
      hardState: n.storage.hardState,
      snapshot: n.storage.snapshot,
      entries: [...n.storage.entries],
      bootstrapConfig: bootstrap,
    });
    n.applied = new Map();
    n.appliedIndex = n.storage.snapshot?.meta.index ?? 0;
    if (n.storage.snapshot !== null) this.restoreImage(n, n.storage.snapshot);
    this.queue = this.queue.filter((m) => m.to !== id && m.from !== id);
  }

  private restoreImage(n: TestNode, snapshot: Snapshot): void {
    // Only a forged snapshot (robustness tests) carries an image the toy state machine cannot read.
    let image: [number, string][] = [];
    try {
      image = JSON.parse(snapshot.data) as [number, string][];
    } catch {
      this.unreadableImages++;
    }
    n.applied = new Map(image);
    n.appliedIndex = snapshot.meta.index;
  }

  /** The app snapshots its applied state and raft compacts its log to it (less `retainedEntries`). */
  compact(id: NodeId, retainedEntries = 0): Snapshot {
    const n = this.node(id);
    const index = n.appliedIndex;
    const term = n.raft.logTermAt(index) ?? 0;
    const data = JSON.stringify([...n.applied.entries()]);
    const result = n.raft.compact({ meta: { index, term }, data }, retainedEntries);
    if (!result.ok) throw new Error(result.error.message);
    const snapshot = n.raft.latestSnapshot();
    if (snapshot === null) throw new Error("compaction left no snapshot");
    n.storage.snapshot = snapshot;
    n.storage.entries = n.storage.entries.filter((e) => e.index > index);
    return snapshot;
  }

  /** One Ready/advance cycle for a node: persist, then send, then apply. */
  processReady(id: NodeId): boolean {
    const n = this.node(id);
    if (!n.raft.hasReady()) return false;
    const rd = n.raft.ready();
    n.readies.push(rd);
    const s = n.storage;
    if (rd.snapshotToPersist !== null) {
      s.snapshot = rd.snapshotToPersist;
      s.entries = [];
    }
    const first = rd.entriesToPersist[0];
    if (first !== undefined) s.entries = s.entries.filter((e) => e.index < first.index).concat(rd.entriesToPersist);
    if (rd.hardState !== null) s.hardState = rd.hardState;
    for (const m of rd.messages) this.send(m);
    if (rd.snapshotToPersist !== null) this.restoreImage(n, rd.snapshotToPersist);
    for (const e of rd.committedEntries) {
      if (e.index !== n.appliedIndex + 1) throw new Error(`${id} applies ${e.index} after ${n.appliedIndex}`);
      n.applied.set(e.index, describeEntry(e));
      n.appliedIndex = e.index;
      this.onApply(id, e.index, describeEntry(e));
    }
    n.readStates.push(...rd.readStates);
    n.raft.advance(rd);
    return true;
  }

  private send(original: RaftMessage): void {
    const key = `${original.from}->${original.to}`;
    if (this.cuts.has(key)) return;
    const m = this.filter(original);
    if (m === null) return;
    const pct = this.dropPct.get(key) ?? 0;
    if (pct > 0 && this.rng.nextInt(0, 99) < pct) return;
    const parsed = parseRaftMessage(JSON.parse(JSON.stringify(m)));
    if (!parsed.ok) throw new Error(`invalid message on the wire: ${parsed.error.message}`);
    this.queue.push(parsed.value);
  }

  /** Deliver queued messages and process readies until quiet (bounded). Returns messages delivered. */
  deliverAll(maxMessages = 100_000): number {
    let count = 0;
    for (;;) {
      for (const id of [...this.nodes.keys()].sort()) this.processReady(id);
      if (this.queue.length === 0) return count;
      if (count >= maxMessages) throw new Error(`network did not settle after ${maxMessages} messages`);
      const at = this.shuffleDelivery ? this.rng.nextInt(0, this.queue.length - 1) : 0;
      const m = this.queue.splice(at, 1)[0] as RaftMessage;
      count++;
      const target = this.nodes.get(m.to);
      if (target === undefined) continue;
      this.delivered.push(m);
      target.raft.step(m);
      this.processReady(m.to);
    }
  }

  /** Deliver only the messages currently queued (one round), then process readies. */
  deliverRound(): void {
    const batch = this.queue;
    this.queue = [];
    for (const m of batch) {
      const target = this.nodes.get(m.to);
      if (target === undefined) continue;
      this.delivered.push(m);
      target.raft.step(m);
    }
    for (const id of [...this.nodes.keys()].sort()) this.processReady(id);
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.raft(id).tick();
      this.processReady(id);
    }
  }

  /** Tick every node `times` times, delivering messages after each tick. */
  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const id of [...this.nodes.keys()].sort()) this.raft(id).tick();
      this.deliverAll();
    }
  }

  /** Make `id` leader: tick it alone until it wins (bounded). */
  elect(id: NodeId): void {
    for (let i = 0; i < 200; i++) {
      if (this.raft(id).status().role === "leader") {
        this.deliverAll();
        return;
      }
      this.tick(id);
      this.deliverAll();
    }
    throw new Error(`${id} did not become leader`);
  }

  /** Followers learn a new commit index lazily: one leader tick sends it to those that have not heard. */
  /**
   * Let an idle leader tell its followers the commit index: two ticks, as a
   * follower it streamed appends to since the last heartbeat round skips the
   * next round and hears at the one after (replication.ts, sendHeartbeats).
   */
  propagateCommit(leader: NodeId): void {
    for (let i = 0; i < 2; i++) {
      this.tick(leader);
      this.deliverAll();
    }
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.raft.status().role === "leader").map((n) => n.id);
  }

  propose(id: NodeId, data: string): { index: number; term: number } {
    const r = this.raft(id).propose(data);
    if (!r.ok) throw new Error(`propose on ${id} failed: ${r.error.message}`);
    return r.value;
  }

  cut(a: NodeId, b: NodeId): void {
    this.cuts.add(`${a}->${b}`);
    this.cuts.add(`${b}->${a}`);
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cut(id, other);
  }

  drop(from: NodeId, to: NodeId, pct: number): void {
    this.dropPct.set(`${from}->${to}`, pct);
  }

  recover(): void {
    this.cuts.clear();
    this.dropPct.clear();
  }
}
