import { blixardError, err, ok, type Result } from "@blixard/core";

/** The fault classes the nemesis can inject. */
export const FAULT_CLASSES = ["network", "crash", "disk", "clock", "process", "byzantine"] as const;
export type FaultClass = (typeof FAULT_CLASSES)[number];

/**
 * `all` means every class except `byzantine`: Byzantine peers break assumptions
 * a crash-fault-tolerant protocol never claims to survive, so they are opted into
 * explicitly (`--faults all,byzantine`).
 */
export const ALL_MEANS: readonly FaultClass[] = FAULT_CLASSES.filter((c) => c !== "byzantine");

/** Parse "none", "all", "network,crash", "all,byzantine" into a sorted, de-duplicated list. */
export function parseFaultClasses(text: string): Result<FaultClass[]> {
  const parts = text.split(",").map((part) => part.trim().toLowerCase()).filter((part) => part.length > 0);
  if (parts.length === 0) return err(blixardError("bad-faults", `--faults is empty`, { hint: `use none, all, or a list of ${FAULT_CLASSES.join(",")}` }));
  const chosen = new Set<FaultClass>();
  for (const part of parts) {
    if (part === "none") continue;
    if (part === "all") {
      for (const c of ALL_MEANS) chosen.add(c);
      continue;
    }
    if (!(FAULT_CLASSES as readonly string[]).includes(part)) {
      return err(blixardError("bad-faults", `unknown fault class "${part}"`, { hint: `choose from none, all, ${FAULT_CLASSES.join(", ")}` }));
    }
    chosen.add(part as FaultClass);
  }
  if (parts.includes("none") && chosen.size > 0) {
    return err(blixardError("bad-faults", `"none" cannot be combined with fault classes (got "${text}")`));
  }
  return ok(FAULT_CLASSES.filter((c) => chosen.has(c)));
}

/** The canonical text for a fault selection (inverse of parseFaultClasses). */
export function formatFaultClasses(classes: readonly FaultClass[]): string {
  if (classes.length === 0) return "none";
  const set = new Set(classes);
  const hasAll = ALL_MEANS.every((c) => set.has(c));
  if (!hasAll) return FAULT_CLASSES.filter((c) => set.has(c)).join(",");
  return set.has("byzantine") ? "all,byzantine" : "all";
}

/** Intensity scales fault rates: a number in [0, 1], or low (0.25) / medium (0.5) / high (1). */
export function parseIntensity(text: string): Result<number> {
  const named: Record<string, number> = { low: 0.25, medium: 0.5, high: 1 };
  const lower = text.trim().toLowerCase();
  const value = named[lower] ?? (/^(0(\.\d+)?|1(\.0+)?)$/.test(lower) ? Number(lower) : Number.NaN);
  if (Number.isNaN(value)) {
    return err(blixardError("bad-intensity", `intensity "${text}" is not low, medium, high or a number in [0, 1]`));
  }
  return ok(value);
}
