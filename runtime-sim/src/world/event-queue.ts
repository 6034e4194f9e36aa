import type { TraceDetail } from "../trace/message-detail";
import type { VirtualUs } from "./time";

/**
 * One pending event. Ordered by (atUs, seq): seq is a global insertion counter,
 * so events at the same instant run in the order they were scheduled. A class,
 * so that it is its own cancel handle (no closure per scheduled timer).
 */
export class QueuedEvent {
  cancelled = false;

  constructor(
    readonly atUs: VirtualUs,
    readonly seq: number,
    /** Short label for the trace, e.g. "timer", "deliver", "nemesis.partition". */
    readonly label: string,
    /** Node the event belongs to, or null for world events. */
    readonly nodeId: string | null,
    /** Node incarnation the event was scheduled for; stale incarnations are skipped. -1 = any. */
    readonly incarnation: number,
    /** Payload digest or other detail for the trace record. */
    readonly detail: TraceDetail,
    readonly fire: () => void,
  ) {}

  cancel(): void {
    this.cancelled = true;
  }
}

/**
 * Binary min-heap of events. Hand-rolled because it is the simulator's hot path:
 * no comparator closure, no allocation per push beyond the event itself.
 */
export class EventQueue {
  private readonly heap: QueuedEvent[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): QueuedEvent | undefined {
    return this.heap[0];
  }

  push(event: QueuedEvent): void {
    const heap = this.heap;
    let index = heap.length;
    heap.push(event);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!before(event, parent)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = event;
  }

  pop(): QueuedEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) this.siftDown(last);
    return top;
  }

  private siftDown(event: QueuedEvent): void {
    const heap = this.heap;
    const length = heap.length;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(heap[right]!, heap[left]!)) child = right;
      const childEvent = heap[child]!;
      if (!before(childEvent, event)) break;
      heap[index] = childEvent;
      index = child;
    }
    heap[index] = event;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.atUs < b.atUs || (a.atUs === b.atUs && a.seq < b.seq);
}
