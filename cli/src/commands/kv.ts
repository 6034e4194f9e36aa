import type { Argv, CommandModule } from "yargs";
import { maxScanLimitKeys, type KvCasResult, type KvCommand, type KvDeleteResult, type KvEntry, type KvGetResult, type KvPutResult, type KvScanResult } from "@blixard/core";
import { usage } from "../client/cluster-endpoints";
import { EXIT_OK, EXIT_OPERATION_FAILED, EXIT_USAGE, printError, printJson, renderTable } from "../client/output";
import { failWithUsage, handle, runWithClient, withClientOptions, type ClientArgs, type ClientContext } from "./client-args";

/** Pages `kv scan --all` follows at most: 1000 pages of up to 10 000 keys. */
export const SCAN_PAGES_MAX = 1_000;

interface KeyArgs extends ClientArgs {
  readonly key: string;
}
interface PutArgs extends KeyArgs {
  readonly value: string;
}
interface CasArgs extends PutArgs {
  readonly expected?: string;
  readonly expectAbsent?: boolean;
}
interface ScanArgs extends ClientArgs {
  readonly prefix: string;
  readonly limit: number;
  readonly startAfter?: string;
  readonly all: boolean;
}

async function kvOp(ctx: ClientContext, command: KvCommand): Promise<{ ok: true; result: unknown } | { ok: false; code: number }> {
  const done = await ctx.client.run({ module: "kv", command });
  if (done.ok) return { ok: true, result: done.value };
  printError(ctx.printer, ctx.mode, done.error);
  return { ok: false, code: EXIT_OPERATION_FAILED };
}

const put: CommandModule<object, PutArgs> = {
  command: "put <key> <value>",
  describe: "Write a value",
  builder: (y) => withClientOptions(y.positional("key", { type: "string", demandOption: true }).positional("value", { type: "string", demandOption: true })) as never,
  handler: (args) =>
    handle(() =>
      runWithClient(args, async (ctx) => {
        const done = await kvOp(ctx, { type: "put", key: String(args.key), value: String(args.value) });
        if (!done.ok) return done.code;
        const result = done.result as KvPutResult;
        if (ctx.mode.json) printJson(ctx.printer, result);
        else ctx.printer.out(`${result.created ? "created" : "updated"} ${result.written.key} (version ${result.written.version}, index ${result.written.modIndex})`);
        return EXIT_OK;
      }),
    ),
};

const get: CommandModule<object, KeyArgs> = {
  command: "get <key>",
  describe: "Read a value (linearizable); exit 1 if the key is absent",
  builder: (y) => withClientOptions(y.positional("key", { type: "string", demandOption: true })) as never,
  handler: (args) =>
    handle(() =>
      runWithClient(args, async (ctx) => {
        const done = await kvOp(ctx, { type: "get", key: String(args.key) });
        if (!done.ok) return done.code;
        const result = done.result as KvGetResult;
        if (ctx.mode.json) printJson(ctx.printer, result);
        else if (result.entry === null) ctx.printer.err(`key ${String(args.key)} is not set`);
        else ctx.printer.out(result.entry.value);
        return result.entry === null ? EXIT_OPERATION_FAILED : EXIT_OK;
      }),
    ),
};

const del: CommandModule<object, KeyArgs> = {
  command: "delete <key>",
  describe: "Delete a key",
  builder: (y) => withClientOptions(y.positional("key", { type: "string", demandOption: true })) as never,
  handler: (args) =>
    handle(() =>
      runWithClient(args, async (ctx) => {
        const done = await kvOp(ctx, { type: "delete", key: String(args.key) });
        if (!done.ok) return done.code;
        const result = done.result as KvDeleteResult;
        if (ctx.mode.json) printJson(ctx.printer, result);
        else ctx.printer.out(result.deleted ? `deleted ${String(args.key)}` : `${String(args.key)} was not set`);
        return EXIT_OK;
      }),
    ),
};

const cas: CommandModule<object, CasArgs> = {
  command: "cas <key> <value>",
  describe: "Set KEY to VALUE only if it holds --expected (or is absent with --expect-absent); exit 1 if not swapped",
  builder: (y) =>
    withClientOptions(
      y
        .positional("key", { type: "string", demandOption: true })
        .positional("value", { type: "string", demandOption: true, describe: "the new value" })
        .option("expected", { type: "string", describe: "the value KEY must hold now" })
        .option("expect-absent", { type: "boolean", describe: "KEY must not exist now" })
        .conflicts("expected", "expect-absent"),
    ) as never,
  handler: (args) =>
    handle(() =>
      runWithClient(args, async (ctx) => {
        if (args.expected === undefined && args.expectAbsent !== true) {
          printError(ctx.printer, ctx.mode, usage("kv cas needs --expected VALUE or --expect-absent"));
          return EXIT_USAGE;
        }
        const expected = args.expectAbsent === true ? null : String(args.expected);
        const done = await kvOp(ctx, { type: "cas", key: String(args.key), expected, value: String(args.value) });
        if (!done.ok) return done.code;
        const result = done.result as KvCasResult;
        if (ctx.mode.json) printJson(ctx.printer, result);
        else if (result.swapped) ctx.printer.out(`swapped ${String(args.key)} (version ${result.current?.version ?? "?"})`);
        else ctx.printer.err(`not swapped: ${String(args.key)} ${result.current === null ? "is not set" : `holds ${JSON.stringify(result.current.value)}`}`);
        return result.swapped ? EXIT_OK : EXIT_OPERATION_FAILED;
      }),
    ),
};

const scan: CommandModule<object, ScanArgs> = {
  command: "scan [prefix]",
  describe: "List keys starting with PREFIX, in key order",
  builder: (y) =>
    withClientOptions(
      y
        .positional("prefix", { type: "string", default: "" })
        .option("limit", { type: "number", default: 100, describe: `keys per page (1..${maxScanLimitKeys})` })
        .option("start-after", { type: "string", describe: "resume after this key (a page's cursor)" })
        .option("all", { type: "boolean", default: false, describe: `follow the cursor through every page (at most ${SCAN_PAGES_MAX})` }),
    ) as never,
  handler: (args) => handle(() => runWithClient(args, (ctx) => runScan(ctx, args))),
};

async function runScan(ctx: ClientContext, args: ScanArgs): Promise<number> {
  if (!Number.isInteger(args.limit) || args.limit < 1 || args.limit > maxScanLimitKeys) {
    printError(ctx.printer, ctx.mode, usage(`--limit must be an integer from 1 to ${maxScanLimitKeys}, got ${String(args.limit)}`));
    return EXIT_USAGE;
  }
  const entries: KvEntry[] = [];
  let cursor: string | null = args.startAfter ?? null;
  for (let page = 0; page < SCAN_PAGES_MAX; page++) {
    const done = await kvOp(ctx, { type: "scan", prefix: String(args.prefix), startAfter: cursor, limit: args.limit });
    if (!done.ok) return done.code;
    const result = done.result as KvScanResult;
    entries.push(...result.entries);
    cursor = result.nextCursor;
    if (!args.all || cursor === null) break;
  }
  if (ctx.mode.json) {
    printJson(ctx.printer, { entries, nextCursor: cursor });
    return EXIT_OK;
  }
  const rows = entries.map((e) => [e.key, e.value, String(e.version), String(e.modIndex)]);
  for (const line of renderTable(["key", "value", "version", "modIndex"], rows, ctx.mode)) ctx.printer.out(line);
  if (cursor !== null) ctx.printer.err(`more keys follow: --start-after ${JSON.stringify(cursor)} (or --all)`);
  return EXIT_OK;
}

/** `blixard kv ...`: the replicated key-value store. */
export const kvCommand: CommandModule<object, object> = {
  command: "kv <command>",
  describe: "Read and write the replicated key-value store",
  builder: (y: Argv) => y.command(put).command(get).command(del).command(cas).command(scan).demandCommand(1).fail(failWithUsage) as never,
  handler: () => {},
};
