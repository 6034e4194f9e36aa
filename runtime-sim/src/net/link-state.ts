import type { EndpointId } from "@blixard/core";

/**
 * Which directed links are cut. Any partition shape is a set of cut (from, to)
 * pairs; the helpers below build the common shapes. Links not cut are up.
 * Unknown endpoints are simply connected (nothing to cut).
 */
export class LinkState {
  private readonly cut = new Set<string>();

  linkUp(from: EndpointId, to: EndpointId): boolean {
    return this.cut.size === 0 || !this.cut.has(key(from, to));
  }

  /** Number of cut directed links (0 = fully healed). */
  get cutCount(): number {
    return this.cut.size;
  }

  /** Cut from → to only; to → from stays as it was. */
  cutOneWay(from: EndpointId, to: EndpointId): void {
    if (from !== to) this.cut.add(key(from, to));
  }

  /** Cut both directions between a and b. */
  cutBoth(a: EndpointId, b: EndpointId): void {
    this.cutOneWay(a, b);
    this.cutOneWay(b, a);
  }

  restoreOneWay(from: EndpointId, to: EndpointId): void {
    this.cut.delete(key(from, to));
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
  }

  /** Cut directed pairs, sorted, for traces and reports. */
  describe(): string[] {
    return [...this.cut].map((k) => k.replace("\u0001", "->")).sort();
  }
}

function key(from: EndpointId, to: EndpointId): string {
  return `${from}\u0001${to}`;
}
