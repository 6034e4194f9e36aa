import type { Disk, Runtime } from "@blixard/core";
import { DEFAULT_NETWORK_CONFIG, Simulation, usFromMs } from "@blixard/runtime-sim";
import { runRuntimeContract, type ContractCluster, type RuntimeFactory } from "./runtime-contract";

/**
 * The contract against runtime-sim: one Simulation per cluster, no faults
 * (loss, duplication, torn writes are fault modes the contract does not claim),
 * and settle() runs virtual time.
 */
const SEED = 20_260_101;

async function createCluster(nodeIds: readonly string[]): Promise<ContractCluster> {
  const sim = new Simulation({ seed: SEED, network: { lossProbability: 0, duplicateProbability: 0 } });
  for (const nodeId of nodeIds) sim.addNode(nodeId, (runtime: Runtime) => runtime);
  const current = (nodeId: string): Runtime => {
    const runtime = sim.instance<Runtime>(nodeId);
    if (runtime === undefined) throw new Error(`contract: node ${nodeId} is down in the simulation`);
    return runtime;
  };
  const failIfBroken = () => {
    const failure = sim.failure;
    if (failure !== null) throw new Error(`simulation failed (seed ${SEED}): ${failure.kind} ${failure.name}: ${failure.description}`);
  };
  return {
    runtime: current,
    settle: async (ms) => {
      sim.runFor(usFromMs(ms));
      failIfBroken();
    },
    crash: async (nodeId) => sim.crash(nodeId),
    reopenDisk: async (nodeId): Promise<Disk> => {
      // The simulator has no clean shutdown: a restart is a crash (unsynced writes lost) and a boot.
      sim.crash(nodeId);
      sim.restart(nodeId);
      failIfBroken();
      return current(nodeId).disk;
    },
    cleanup: async () => failIfBroken(),
  };
}

const simFactory: RuntimeFactory = {
  create: createCluster,
  maxMessageBytes: DEFAULT_NETWORK_CONFIG.maxMessageBytes,
  patienceMs: 5_000,
  launches: {
    longRunning: { backend: "sim", argv: ["contract-vm"], vcpus: 1, memoryMib: 64 },
    failsToSpawn: { backend: "sim", argv: ["contract-vm"], vcpus: 0, memoryMib: 64 },
    // The process model has no launch that exits by itself with a chosen code (see report).
  },
};

runRuntimeContract("runtime-sim", simFactory);
