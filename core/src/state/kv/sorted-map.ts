/**
 * An ordered string-keyed map: a list of sorted chunks of at most
 * maxChunkKeys keys each, plus each chunk's largest key (a two-level B+ tree,
 * as in Python's sortedcontainers). Lookups are two binary searches; an insert
 * or delete moves at most one chunk's worth of keys, so 1e5–1e6 keys inserted
 * in any order stay cheap. Keys order by JS string comparison; iteration is in
 * key order, identical on every replica whatever the insertion order was.
 */
export const defaultMaxChunkKeys = 512;

interface Chunk<V> {
  keys: string[];
  values: V[];
}

export class SortedMap<V> {
  private chunks: Chunk<V>[] = [];
  /** maxes[i] is the last (largest) key of chunks[i]. */
  private maxes: string[] = [];
  private count = 0;

  /** `maxChunkKeys` trades insert cost (moves within a chunk) against lookup depth; tests shrink it to exercise splits. */
  constructor(private readonly maxChunkKeys = defaultMaxChunkKeys) {}

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    const c = this.chunkAtLeast(key);
    const chunk = this.chunks[c];
    if (chunk === undefined) return undefined;
    const at = lowerBound(chunk.keys, key);
    return chunk.keys[at] === key ? chunk.values[at] : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    if (this.chunks.length === 0) {
      this.chunks.push({ keys: [key], values: [value] });
      this.maxes.push(key);
      this.count = 1;
      return;
    }
    const c = Math.min(this.chunkAtLeast(key), this.chunks.length - 1);
    const chunk = this.chunks[c] as Chunk<V>;
    const at = lowerBound(chunk.keys, key);
    if (chunk.keys[at] === key) {
      chunk.values[at] = value;
      return;
    }
    chunk.keys.splice(at, 0, key);
    chunk.values.splice(at, 0, value);
    this.count++;
    this.maxes[c] = chunk.keys[chunk.keys.length - 1] as string;
    if (chunk.keys.length > this.maxChunkKeys) this.split(c);
  }

  delete(key: string): boolean {
    const c = this.chunkAtLeast(key);
    const chunk = this.chunks[c];
    if (chunk === undefined) return false;
    const at = lowerBound(chunk.keys, key);
    if (chunk.keys[at] !== key) return false;
    chunk.keys.splice(at, 1);
    chunk.values.splice(at, 1);
    this.count--;
    if (chunk.keys.length === 0) {
      this.chunks.splice(c, 1);
      this.maxes.splice(c, 1);
    } else {
      this.maxes[c] = chunk.keys[chunk.keys.length - 1] as string;
    }
    return true;
  }

  clear(): void {
    this.chunks = [];
    this.maxes = [];
    this.count = 0;
  }

  /** Entries in key order, starting at the first key >= `from` (> `from` when `exclusive`); null starts at the smallest. */
  *entriesFrom(from: string | null, exclusive = false): IterableIterator<[string, V]> {
    let c = 0;
    let at = 0;
    if (from !== null) {
      c = exclusive ? upperBound(this.maxes, from) : lowerBound(this.maxes, from);
      const chunk = this.chunks[c];
      if (chunk !== undefined) at = exclusive ? upperBound(chunk.keys, from) : lowerBound(chunk.keys, from);
    }
    for (; c < this.chunks.length; c++, at = 0) {
      const chunk = this.chunks[c] as Chunk<V>;
      for (; at < chunk.keys.length; at++) yield [chunk.keys[at] as string, chunk.values[at] as V];
    }
  }

  entries(): IterableIterator<[string, V]> {
    return this.entriesFrom(null);
  }

  /**
   * Replace the contents with entries in strictly ascending key order (a
   * snapshot image). Returns the position of the first out-of-order key and
   * changes nothing, or -1 when the input was well ordered and has been loaded.
   */
  loadSorted(entries: ReadonlyArray<readonly [string, V]>): number {
    for (let i = 1; i < entries.length; i++) {
      if (!((entries[i - 1] as readonly [string, V])[0] < (entries[i] as readonly [string, V])[0])) return i;
    }
    this.clear();
    const half = Math.max(1, this.maxChunkKeys >>> 1);
    for (let start = 0; start < entries.length; start += half) {
      const slice = entries.slice(start, start + half);
      this.chunks.push({ keys: slice.map((e) => e[0]), values: slice.map((e) => e[1]) });
      this.maxes.push((slice[slice.length - 1] as readonly [string, V])[0]);
    }
    this.count = entries.length;
    return -1;
  }

  /** Index of the first chunk whose largest key is >= key (chunks.length when none). */
  private chunkAtLeast(key: string): number {
    return lowerBound(this.maxes, key);
  }

  private split(c: number): void {
    const chunk = this.chunks[c] as Chunk<V>;
    const half = chunk.keys.length >>> 1;
    const right: Chunk<V> = { keys: chunk.keys.splice(half), values: chunk.values.splice(half) };
    this.chunks.splice(c + 1, 0, right);
    this.maxes[c] = chunk.keys[chunk.keys.length - 1] as string;
    this.maxes.splice(c + 1, 0, right.keys[right.keys.length - 1] as string);
  }
}

/** First position whose key is >= key. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position whose key is > key. */
function upperBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
