import type { Argv } from "yargs";
import { DEFAULT_CLUSTER_ID } from "@blixard/runtime-real";
import { BlixardClient } from "../client/blixard-client";
import { parseClusterList, usage } from "../client/cluster-endpoints";
import { EXIT_OPERATION_FAILED, EXIT_USAGE, outputModeFor, printError, stdioPrinter, type OutputMode, type Printer } from "../client/output";

/** Flags every command that talks to a cluster as a client shares. */
export interface ClientArgs {
  readonly cluster?: string;
  readonly clusterId: string;
  readonly timeoutMs: number;
  readonly json: boolean;
  readonly verbose: boolean;
}

/** Most a single client command may wait, so a typo cannot hang a script for hours. */
export const CLIENT_TIMEOUT_MS_MAX = 10 * 60 * 1000;

export function withClientOptions<T>(yargs: Argv<T>): Argv<T & ClientArgs> {
  return yargs
    .option("cluster", { type: "string", describe: "nodes to talk to: ws://host:port,... or n1=ws://host:port,... (default $BLIXARD_CLUSTER)" })
    .option("cluster-id", { type: "string", default: DEFAULT_CLUSTER_ID, describe: "cluster id the nodes were started with" })
    .option("timeout-ms", { type: "number", default: 10_000, describe: "give up on an operation after this long" })
    .option("json", { type: "boolean", default: false, describe: "print machine-readable JSON" })
    .option("verbose", { type: "boolean", default: false, describe: "print transport warnings (dial failures) to stderr" })
    .fail(failWithUsage) as unknown as Argv<T & ClientArgs>;
}

/** yargs parse errors of client commands: the message, then exit code 2 (usage). */
export function failWithUsage(message: string | undefined, error: Error | undefined): never {
  process.stderr.write(`blixard: ${message ?? error?.message ?? "bad usage"}\nRun with --help for usage.\n`);
  process.exit(EXIT_USAGE);
}

export interface ClientContext {
  readonly client: BlixardClient;
  readonly mode: OutputMode;
  readonly printer: Printer;
}

/**
 * Parse the shared flags, connect, run `body`, close; returns the exit code.
 * `waitForAllProbes`: start only once every listed node answered or failed its
 * handshake (a per-node report), not as soon as one did.
 */
export async function runWithClient(
  args: ClientArgs,
  body: (ctx: ClientContext) => Promise<number>,
  printer: Printer = stdioPrinter,
  connectOptions: { readonly waitForAllProbes?: boolean } = {},
): Promise<number> {
  const mode = outputModeFor(args.json);
  const endpoints = parseClusterList(args.cluster ?? process.env["BLIXARD_CLUSTER"]);
  if (!endpoints.ok) {
    printError(printer, mode, endpoints.error);
    return EXIT_USAGE;
  }
  if (!Number.isInteger(args.timeoutMs) || args.timeoutMs < 100 || args.timeoutMs > CLIENT_TIMEOUT_MS_MAX) {
    printError(printer, mode, usage(`--timeout-ms must be an integer from 100 to ${CLIENT_TIMEOUT_MS_MAX}, got ${String(args.timeoutMs)}`));
    return EXIT_USAGE;
  }
  const connected = await BlixardClient.connect({ ...connectOptions, endpoints: endpoints.value, clusterId: args.clusterId, timeoutMs: args.timeoutMs, verbose: args.verbose });
  if (!connected.ok) {
    printError(printer, mode, connected.error);
    return EXIT_OPERATION_FAILED;
  }
  try {
    return await body({ client: connected.value, mode, printer });
  } finally {
    await connected.value.close();
  }
}

/** Run a command handler and set the exit code; an unexpected throw is a bug, reported as such. */
export function handle(run: () => Promise<number>): Promise<void> {
  return run().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`blixard: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = EXIT_OPERATION_FAILED;
    },
  );
}
