#!/usr/bin/env node
/**
 * `blixard`: one yargs entry for every subcommand. Each command lives in
 * commands/<name>.ts and exports a yargs CommandModule; adding one is one line
 * in COMMANDS below.
 */
import yargs, { type CommandModule } from "yargs";
import { hideBin } from "yargs/helpers";
import { simCommand } from "./commands/sim";
import { kvCommand } from "./commands/kv";
import { nodeCommand } from "./commands/node";
import { vmCommand } from "./commands/vm";
import { clusterCommand } from "./commands/cluster";
import cliPackage from "../package.json" with { type: "json" };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own argument shape
const COMMANDS: readonly CommandModule<any, any>[] = [simCommand, nodeCommand, kvCommand, vmCommand, clusterCommand];

export async function main(argv: readonly string[]): Promise<void> {
  let cli = yargs(hideBin([...argv]))
    .scriptName("blixard")
    .strict()
    .demandCommand(1, "name a command, e.g. `blixard sim`")
    .recommendCommands()
    .version(cliPackage.version)
    .help()
    .wrap(Math.min(110, process.stdout.columns ?? 100));
  for (const command of COMMANDS) cli = cli.command(command);
  await cli.parseAsync();
}

await main(process.argv);
