/**
 * The set of linearized operations, as a bitset whose memo key is cheap.
 * Operations are linearized roughly in invocation order, so the bitset is a
 * run of full words, a short frontier, then zeros. The bounds of that
 * frontier are kept exactly as bits change (a rescan from word 0 on every
 * search step was the largest part of the key's cost), and the key spells out
 * only the frontier (16 bits per char) behind its position and length, so no
 * two sets share a key.
 */
export class LinearizedSet {
  private readonly words: Uint16Array;
  /** Every word below this one is full; this one is not (or it is words.length). */
  private fullBelow = 0;
  /** Every word from this one on is zero; the one below is not (or it is 0). */
  private zeroFrom = 0;

  constructor(operationCount: number) {
    this.words = new Uint16Array(Math.ceil(operationCount / 16));
  }

  toggle(index: number): void {
    const words = this.words;
    const w = index >>> 4;
    const word = (words[w]! ^ (1 << (index & 15))) & 0xffff;
    words[w] = word;
    if (word === 0xffff) {
      if (w === this.fullBelow) {
        let full = w + 1;
        while (full < words.length && words[full] === 0xffff) full++;
        this.fullBelow = full;
      }
    } else if (w < this.fullBelow) {
      this.fullBelow = w;
    }
    if (word !== 0) {
      if (w >= this.zeroFrom) this.zeroFrom = w + 1;
    } else if (w === this.zeroFrom - 1) {
      let zero = w;
      while (zero > 0 && words[zero - 1] === 0) zero--;
      this.zeroFrom = zero;
    }
  }

  /** A key equal for equal sets and different for different ones, followed by `suffix`. */
  key(suffix: string): string {
    const lo = this.fullBelow;
    const hi = Math.max(lo, this.zeroFrom);
    const chunkWords = 4096;
    let key = `${lo}:${hi - lo}:`;
    for (let start = lo; start < hi; start += chunkWords) {
      key += String.fromCharCode(...this.words.subarray(start, Math.min(hi, start + chunkWords)));
    }
    return key + suffix;
  }
}
