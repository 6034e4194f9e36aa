import type { IssueList } from "./field-reader";
import type { VmSpec } from "./spec";

/**
 * Cross-entry rules: two interfaces cannot share a tap name or a MAC, two
 * shares cannot share a tag, two volumes cannot share an image, and no two
 * mounts (volumes or shares) may claim the same guest path.
 */
export function checkUniqueness(issues: IssueList, spec: VmSpec): void {
  firstRepeat(issues, spec.interfaces.map((i) => i.id), (i) => `interfaces[${i}].id`, "repeats an interface id used earlier");
  firstRepeat(issues, spec.interfaces.map((i) => i.mac), (i) => `interfaces[${i}].mac`, "repeats a MAC used by an earlier interface");
  firstRepeat(issues, spec.shares.map((s) => s.tag), (i) => `shares[${i}].tag`, "repeats a tag used by an earlier share");
  firstRepeat(issues, spec.volumes.map((v) => v.image), (i) => `volumes[${i}].image`, "repeats an image used by an earlier volume");
  const mounts = [
    ...spec.volumes.map((v, i) => ({ path: `volumes[${i}].mountPoint`, mount: v.mountPoint })),
    ...spec.shares.map((s, i) => ({ path: `shares[${i}].mountPoint`, mount: s.mountPoint })),
  ];
  firstRepeat(issues, mounts.map((m) => m.mount), (i) => mounts[i]?.path ?? "", "repeats a mount point used by an earlier volume or share");
}

function firstRepeat(issues: IssueList, values: readonly string[], pathOf: (i: number) => string, rule: string): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (seen.has(value)) issues.bad(pathOf(i), rule, value);
    seen.add(value);
  });
}
