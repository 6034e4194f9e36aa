import { blixardError, err, ok, type Result } from "@blixard/core";
import { kvScenario } from "../scenario/kv-scenario";
import { mixedScenario } from "../scenario/mixed-scenario";
import { vmScenario } from "../scenario/vm-scenario";
import { toyScenario } from "../toy/toy-scenario";
import type { Scenario } from "./scenario";

/** Scenarios keyed by workload name. */
export class ScenarioRegistry {
  private readonly byName = new Map<string, Scenario>();

  constructor(scenarios: readonly Scenario[] = []) {
    for (const scenario of scenarios) this.register(scenario);
  }

  register(scenario: Scenario): void {
    if (this.byName.has(scenario.name)) throw new Error(`scenario "${scenario.name}" is registered twice`);
    this.byName.set(scenario.name, scenario);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  find(name: string): Result<Scenario> {
    const scenario = this.byName.get(name);
    if (scenario === undefined) {
      return err(blixardError("unknown-workload", `no workload named "${name}"`, { hint: `choose one of: ${this.names().join(", ")}` }));
    }
    return ok(scenario);
  }
}

/**
 * Every built-in workload. Adding one is one line here (the Blixard kv/vm/mixed
 * scenarios in ../scenario/ belong in this list).
 */
export const BUILTIN_SCENARIOS: readonly Scenario[] = [mixedScenario, kvScenario, vmScenario, toyScenario];

export const scenarioRegistry = new ScenarioRegistry(BUILTIN_SCENARIOS);
