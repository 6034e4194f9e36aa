import { afterEach, describe } from "vitest";
import { clockCases } from "./contract-clock";
import { diskCases } from "./contract-disk";
import { netCases, randomCases } from "./contract-net-random";
import { spawnerCases } from "./contract-spawner";
import type { ContractCluster, ContractContext, RuntimeFactory } from "./contract-types";

export type { ContractCluster, ContractContext, ContractLaunches, RuntimeFactory } from "./contract-types";

/**
 * One contract for the Runtime ports, run against every runtime (Hono's
 * `runTest({ newRouter })` idea): runtime-sim and runtime-real must both pass
 * it, so core can rely on exactly what is written here and nothing else.
 */
export function runRuntimeContract(name: string, factory: RuntimeFactory): void {
  describe(`Runtime port contract: ${name}`, () => {
    const live: ContractCluster[] = [];
    afterEach(async () => {
      await Promise.all(live.splice(0).map((cluster) => cluster.cleanup()));
    });
    const context: ContractContext = {
      factory,
      cluster: async (nodeIds) => {
        const cluster = await factory.create(nodeIds);
        live.push(cluster);
        return cluster;
      },
    };
    describe("clock", () => clockCases(context));
    describe("random", () => randomCases(context));
    describe("net", () => netCases(context));
    describe("disk", () => diskCases(context));
    describe("spawner", () => spawnerCases(context));
  });
}

