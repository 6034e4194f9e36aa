import { describe, expect, it } from "vitest";
import { microvmFlake } from "../../../src/vm/microvm/flake";
import { networkFromSpec } from "../../../src/vm/microvm/network";
import { FLAKE_CASES, INPUTS } from "./flake-cases";

/**
 * Golden files: each generated flake is pinned byte for byte under
 * golden/<case>/. A change on purpose is re-recorded with
 * `pnpm vitest run core/test/vm/microvm -u` and reviewed in the diff.
 */
describe("microvm.nix per-VM flake (golden)", () => {
  for (const [name, c] of Object.entries(FLAKE_CASES)) {
    it(`${name}`, async () => {
      const flake = microvmFlake(c.spec, c.network ?? networkFromSpec(c.spec), INPUTS);
      if (!flake.ok) throw new Error(flake.error.message);
      expect(flake.value.attribute).toBe(`nixosConfigurations.${c.spec.name}.config.microvm.declaredRunner`);
      for (const file of flake.value.files) {
        await expect(file.text).toMatchFileSnapshot(`golden/${name}/${file.path}`);
      }
    });
  }
});
