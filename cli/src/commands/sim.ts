import type { CommandModule } from "yargs";
import type { SimArgs } from "../sim/run-sim";

/** `blixard sim`: run the seeded simulator (one seed or a sweep). */
export const simCommand: CommandModule<object, SimArgs> = {
  command: "sim",
  describe: "Run a deterministic simulation of a Blixard cluster under faults",
  builder: (yargs) =>
    yargs
      .option("seed", { type: "string", describe: "run seed (default: $SEED, else random and printed)" })
      .option("seeds", { type: "number", default: 1, describe: "sweep this many consecutive seeds starting at --seed" })
      .option("nodes", { type: "number", default: 5, describe: "cluster size" })
      .option("duration", { type: "number", default: 60, describe: "virtual seconds (faults phase, then a quiet phase)" })
      .option("faults", { type: "string", default: "all", describe: "none, all (every class but byzantine), or a list: network,crash,disk,clock,process,byzantine" })
      .option("intensity", { type: "string", default: "medium", describe: "low, medium, high or a number in [0, 1]" })
      .option("workload", { type: "string", default: "mixed", describe: "scenario: mixed (kv + vm), kv, vm, toy" })
      .option("trace", { type: "string", describe: "write every trace record to FILE as JSON lines" })
      .option("history", { type: "string", describe: "write the workload's client history to FILE as JSON lines" })
      .option("json", { type: "boolean", default: false, describe: "print a machine-readable JSON summary" }) as never,
  handler: async (args) => {
    // Loaded on demand: client commands should not pay for parsing the simulator.
    const { runSimCommand } = await import("../sim/run-sim");
    process.exitCode = runSimCommand(args, process.env);
  },
};
