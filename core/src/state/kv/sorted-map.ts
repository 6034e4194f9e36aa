/**
 * An ordered string-keyed map: two parallel arrays kept sorted by key, with
 * binary search. O(log n) lookups, O(n) inserts/deletes (memmove-fast up to
 * ~1e5 keys), and iteration in key order that is identical on every replica
 * regardless of the order keys were inserted in.
 */
export class SortedMap<V> {
  private readonly keys: string[] = [];
  private readonly values: V[] = [];

  get size(): number {
    return this.keys.length;
  }

  get(key: string): V | undefined {
    const at = this.lowerBound(key);
    return this.keys[at] === key ? this.values[at] : undefined;
  }

  has(key: string): boolean {
    return this.keys[this.lowerBound(key)] === key;
  }

  set(key: string, value: V): void {
    const at = this.lowerBound(key);
    if (this.keys[at] === key) {
      this.values[at] = value;
      return;
    }
    this.keys.splice(at, 0, key);
    this.values.splice(at, 0, value);
  }

  delete(key: string): boolean {
    const at = this.lowerBound(key);
    if (this.keys[at] !== key) return false;
    this.keys.splice(at, 1);
    this.values.splice(at, 1);
    return true;
  }

  clear(): void {
    this.keys.length = 0;
    this.values.length = 0;
  }

  /** Position of the first key >= `key` (size when none). */
  lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position of the first key > `key` (size when none). */
  upperBound(key: string): number {
    const at = this.lowerBound(key);
    return this.keys[at] === key ? at + 1 : at;
  }

  keyAt(position: number): string | undefined {
    return this.keys[position];
  }

  valueAt(position: number): V | undefined {
    return this.values[position];
  }

  /** Entries in key order. */
  *entries(): IterableIterator<[string, V]> {
    for (let i = 0; i < this.keys.length; i++) yield [this.keys[i] as string, this.values[i] as V];
  }

  /**
   * Replace the contents with entries already in strictly ascending key order
   * (a snapshot image). Returns the position of the first out-of-order key, or
   * -1 when the input was well ordered (and has been loaded).
   */
  loadSorted(entries: ReadonlyArray<readonly [string, V]>): number {
    for (let i = 1; i < entries.length; i++) {
      if (!((entries[i - 1] as readonly [string, V])[0] < (entries[i] as readonly [string, V])[0])) return i;
    }
    this.clear();
    for (const [key, value] of entries) {
      this.keys.push(key);
      this.values.push(value);
    }
    return -1;
  }
}
