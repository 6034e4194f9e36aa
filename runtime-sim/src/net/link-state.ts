import type { EndpointId } from "@blixard/core";

/**
 * Which directed links are cut. Any partition shape is a set of cut (from, to)
 * pairs; the helpers below build the common shapes. Links not cut are up.
 * Unknown endpoints are simply connected (nothing to cut).
 */
export class LinkState {
  // By sender, then receiver: every message is checked twice (at send and on arrival), and a
  // "from->to" key string per check was an allocation per check while any link was cut.
  private readonly cut = new Map<EndpointId, Set<EndpointId>>();
  private cutLinks = 0;

  linkUp(from: EndpointId, to: EndpointId): boolean {
    if (this.cutLinks === 0) return true;
    const cutFrom = this.cut.get(from);
    return cutFrom === undefined || !cutFrom.has(to);
  }

  /** Number of cut directed links (0 = fully healed). */
  get cutCount(): number {
    return this.cutLinks;
  }

  /** Cut from → to only; to → from stays as it was. */
  cutOneWay(from: EndpointId, to: EndpointId): void {
    if (from === to) return;
    let cutFrom = this.cut.get(from);
    if (cutFrom === undefined) {
      cutFrom = new Set();
      this.cut.set(from, cutFrom);
    }
    if (!cutFrom.has(to)) {
      cutFrom.add(to);
      this.cutLinks++;
    }
  }

  /** Cut both directions between a and b. */
  cutBoth(a: EndpointId, b: EndpointId): void {
    this.cutOneWay(a, b);
    this.cutOneWay(b, a);
  }

  restoreOneWay(from: EndpointId, to: EndpointId): void {
    if (this.cut.get(from)?.delete(to) === true) this.cutLinks--;
  }

  /** Cut every link between different groups (both directions). Links inside a group are untouched. */
  partition(groups: readonly (readonly EndpointId[])[]): void {
    for (let g = 0; g < groups.length; g++) {
      for (let h = g + 1; h < groups.length; h++) {
        for (const a of groups[g]!) for (const b of groups[h]!) this.cutBoth(a, b);
      }
    }
  }

  /** Cut `node` off from every other endpoint in `all`, both ways. */
  isolate(node: EndpointId, all: readonly EndpointId[]): void {
    for (const other of all) this.cutBoth(node, other);
  }

  /**
   * Two sides that cannot reach each other but both reach `bridge`
   * (the classic "bridge node" partition that confuses leader election).
   */
  bridge(sideA: readonly EndpointId[], sideB: readonly EndpointId[], bridge: EndpointId): void {
    this.partition([sideA.filter((n) => n !== bridge), sideB.filter((n) => n !== bridge)]);
  }

  heal(): void {
    this.cut.clear();
    this.cutLinks = 0;
  }

  /** Cut directed pairs, sorted, for traces and reports. */
  describe(): string[] {
    const pairs: string[] = [];
    for (const [from, tos] of this.cut) for (const to of tos) pairs.push(`${from}->${to}`);
    return pairs.sort();
  }
}
