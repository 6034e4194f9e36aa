import type { CommandModule, Options } from "yargs";
import type { RawNodeArgs } from "../node/node-args";
import { NODE_OPTIONS } from "../node/node-options";
import { CONFIG_ENV, resolveNodeLaunch } from "../node/node-settings";
import { failWithUsage, handle } from "./client-args";

/**
 * `blixard node`: run one cluster node (Raft, state, VM controller) on this
 * machine. Its settings come from flags, BLIXARD_* variables and a TOML config
 * file, in that order of precedence (node-settings.ts); the flags are the
 * NODE_OPTIONS table, without yargs defaults so that an absent flag leaves
 * room for the environment and the file.
 */
export const nodeCommand: CommandModule<object, RawNodeArgs> = {
  command: "node",
  describe: "Run a Blixard node on this host",
  builder: (yargs) => {
    let y = yargs.option("config", { type: "string", describe: `a TOML file of settings (keys as the flags: data-dir = "/var/lib/blixard"); default $${CONFIG_ENV}. Precedence: flags > BLIXARD_* variables > file > defaults` });
    for (const [name, spec] of Object.entries(NODE_OPTIONS)) {
      const option: Options = { type: spec.type, describe: spec.describe, ...(spec.array === true ? { array: true } : {}), ...(spec.choices === undefined ? {} : { choices: [...spec.choices] }) };
      y = y.option(name, option);
    }
    return y
      .epilogue("Every flag can also be set as BLIXARD_<FLAG> (BLIXARD_DATA_DIR, BLIXARD_PEER=a,b for lists) or as a key in the --config file.")
      .check((argv) => {
        const parsed = resolveNodeLaunch(argv, process.env);
        if (!parsed.ok) throw new Error(parsed.error.message);
        return true;
      })
      .fail(failWithUsage) as never;
  },
  handler: (args) =>
    handle(async () => {
      // Loaded on demand: the runtime (SQLite, metrics) is for this command alone.
      const { runNode, stopSignals } = await import("../node/run-node");
      const launch = resolveNodeLaunch(args as Record<string, unknown>, process.env);
      if (!launch.ok) throw new Error(`unreachable: arguments were checked: ${launch.error.message}`);
      return runNode(launch.value, {
        out: (line) => void process.stdout.write(`${line}\n`),
        err: (line) => void process.stderr.write(`${line}\n`),
        stopRequested: stopSignals(),
        stderrIsTerminal: process.stderr.isTTY === true,
      });
    }),
};
