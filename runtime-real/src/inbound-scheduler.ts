/**
 * Fair, bounded delivery of inbound frames that are not urgent. Urgent frames
 * (Raft messages from peers) are handed to the node at once and never wait
 * here. Everything else — client requests, forwards, relayed answers — waits
 * in a FIFO per connection and is handed over round-robin, at most
 * `maxFramesPerTurn` frames or `maxTurnMs` of handler time per turn of the
 * event loop. Between turns the loop runs its timers (Raft ticks, so
 * heartbeats leave on time) and reads sockets (urgent frames), however many
 * clients send and however fast. One flooding connection gets its share of a
 * turn, no more.
 *
 * A pausable connection (a client) whose queue reaches
 * `maxQueuedFramesPerConnection` is paused — its socket is not read, so TCP
 * pushes back on the sender — until the queue drains to half. A peer is never
 * paused (its Raft frames share the socket); past `maxQueuedFramesPerPeer` its
 * newest non-urgent frames are dropped, which the transport's contract allows.
 */
export interface InboundSource {
  /** Endpoint id, for the handler's `from` and for traces. */
  readonly peerId: string;
  /** Peers are never paused: their Raft traffic shares the connection. */
  readonly pausable: boolean;
  pause(): void;
  resume(): void;
}

export interface InboundSchedulerOptions {
  readonly maxQueuedFramesPerConnection: number;
  readonly maxQueuedFramesPerPeer: number;
  readonly maxFramesPerTurn: number;
  readonly maxTurnMs: number;
  /** Monotonic milliseconds (performance.now in production). */
  now(): number;
  /** Run `turn` on a later turn of the event loop (setImmediate in production). */
  later(turn: () => void): void;
  deliver(from: string, payload: Uint8Array): void;
  /** A peer's frame was dropped because its queue was full. */
  dropped(source: InboundSource, queuedFrames: number): void;
  /** A source was paused (its queue filled) or resumed (its queue drained to half). */
  flowChanged?(source: InboundSource, paused: boolean): void;
}

interface SourceQueue {
  readonly source: InboundSource;
  readonly frames: Uint8Array[];
  /** Index of the oldest frame not yet delivered (frames before it are spent). */
  head: number;
  paused: boolean;
}

export class InboundScheduler {
  private readonly queues = new Map<InboundSource, SourceQueue>();
  /** Queues with frames waiting, in round-robin order. */
  private ready: SourceQueue[] = [];
  private turnScheduled = false;

  constructor(private readonly options: InboundSchedulerOptions) {}

  /** Frames waiting over all connections (a gauge). */
  get queuedFrames(): number {
    let total = 0;
    for (const queue of this.ready) if (this.queues.get(queue.source) === queue) total += queue.frames.length - queue.head;
    return total;
  }

  enqueue(source: InboundSource, payload: Uint8Array): void {
    let queue = this.queues.get(source);
    if (queue === undefined) {
      queue = { source, frames: [], head: 0, paused: false };
      this.queues.set(source, queue);
    }
    const waiting = queue.frames.length - queue.head;
    if (!source.pausable && waiting >= this.options.maxQueuedFramesPerPeer) {
      this.options.dropped(source, waiting);
      return;
    }
    if (waiting === 0) this.ready.push(queue);
    queue.frames.push(payload);
    if (source.pausable && !queue.paused && waiting + 1 >= this.options.maxQueuedFramesPerConnection) {
      queue.paused = true;
      source.pause();
      this.options.flowChanged?.(source, true);
    }
    this.scheduleTurn();
  }

  /** The connection closed: its waiting frames are discarded (lost with the connection, as the port allows). */
  remove(source: InboundSource): void {
    // Its entry in `ready` is skipped lazily by the next turn.
    this.queues.delete(source);
  }

  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    this.options.later(() => this.turn());
  }

  /** One turn: round-robin, one frame per connection per pass, within the turn's budget. */
  private turn(): void {
    this.turnScheduled = false;
    const startedMs = this.options.now();
    let delivered = 0;
    try {
      while (this.ready.length > 0) {
        const queue = this.ready.shift() as SourceQueue;
        if (this.queues.get(queue.source) !== queue) continue; // its connection closed
        // Back in line before the handler runs: a handler that throws must not strand the rest of the queue.
        if (queue.head + 1 < queue.frames.length) this.ready.push(queue);
        this.deliverOne(queue);
        delivered++;
        if (delivered >= this.options.maxFramesPerTurn || this.options.now() - startedMs >= this.options.maxTurnMs) break;
      }
    } finally {
      if (this.ready.length > 0) this.scheduleTurn();
    }
  }

  private deliverOne(queue: SourceQueue): void {
    const payload = queue.frames[queue.head] as Uint8Array;
    queue.frames[queue.head] = EMPTY;
    queue.head++;
    if (queue.head === queue.frames.length) {
      queue.frames.length = 0;
      queue.head = 0;
    } else if (queue.head >= 1_024 && queue.head * 2 >= queue.frames.length) {
      // Drop the spent prefix now and then, so a long-busy queue does not keep every frame it ever held.
      queue.frames.splice(0, queue.head);
      queue.head = 0;
    }
    const waiting = queue.frames.length - queue.head;
    if (queue.paused && waiting <= Math.floor(this.options.maxQueuedFramesPerConnection / 2)) {
      queue.paused = false;
      queue.source.resume();
      this.options.flowChanged?.(queue.source, false);
    }
    // Last: the handler may close the connection (and remove this queue) or enqueue more.
    this.options.deliver(queue.source.peerId, payload);
  }
}

const EMPTY = new Uint8Array(0);
