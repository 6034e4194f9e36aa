import type { Argv, CommandModule } from "yargs";
import { HYPERVISORS, type ClusterApplied, type Result, type VmRecord } from "@blixard/core";
import type { OpFailure } from "../client/blixard-client";
import { clusterOp, getVm, isSettledRunning, setDesired, STOPPED_STATUSES, waitForVm } from "../client/cluster-ops";
import { EXIT_OK, EXIT_OPERATION_FAILED, EXIT_USAGE, outputModeFor, printError, printJson, stdioPrinter } from "../client/output";
import { checkSpec, readSpecFile, specFromFlags, type VmSpecFlags } from "../client/vm-spec-input";
import { vmStatusLines, vmTable } from "../client/vm-view";
import { failWithUsage, handle, runWithClient, withClientOptions, type ClientArgs, type ClientContext } from "./client-args";

interface CreateArgs extends ClientArgs, VmSpecFlags {
  readonly spec?: string;
  readonly stopped: boolean;
  readonly wait: boolean;
}
interface NameArgs extends ClientArgs {
  readonly name: string;
}
interface UpdateArgs extends NameArgs {
  readonly spec: string;
}
interface MigrateArgs extends NameArgs {
  readonly to: string;
}

/** Print an op's failure and map it to the exit code; on success hand back the value. */
async function expectOk<T>(ctx: ClientContext, pending: Promise<Result<T, OpFailure>>): Promise<T | null> {
  const done = await pending;
  if (done.ok) return done.value;
  printError(ctx.printer, ctx.mode, done.error);
  return null;
}

function applied(ctx: ClientContext, result: ClusterApplied, text: string): number {
  if (ctx.mode.json) printJson(ctx.printer, result);
  else ctx.printer.out(result.effect === "ignored" ? `${text}: nothing to do (${result.detail})` : text);
  return EXIT_OK;
}

const create: CommandModule<object, CreateArgs> = {
  command: "create [name]",
  describe: "Create a VM (from flags, or from a JSON spec with --spec)",
  builder: (y) =>
    withClientOptions(
      y
        .positional("name", { type: "string", describe: "VM name (a DNS label); overrides the spec file's name" })
        .option("spec", { type: "string", describe: "JSON file holding the whole VM spec" })
        .option("vcpus", { type: "number" })
        .option("memory-mib", { type: "number" })
        .option("disk-gib", { type: "number" })
        .option("hypervisor", { type: "string", describe: HYPERVISORS.join(", ") })
        .option("feature", { type: "string", array: true, describe: "a host feature the VM needs; repeatable" })
        .option("anti-affinity", { type: "string", describe: "no two VMs of this group share a host" })
        .option("priority", { type: "number", describe: "0..1000; higher may preempt lower" })
        .option("restart", { type: "string", describe: "always | never | on-failure[:retries]" })
        .option("strategy", { type: "string", describe: "placement for this VM: most-available | least-available | round-robin" })
        .option("host", { type: "string", describe: "pin the VM to this host (manual placement)" })
        .option("flake", { type: "string", describe: "microvm-nix: your NixOS flake configuration, ref#name or ref#nixosConfigurations.name (it imports microvm.nixosModules.microvm)" })
        .option("nixos-module", { type: "string", array: true, describe: "microvm-nix: a NixOS module file for the guest; repeatable (its text goes into the spec)" })
        .option("runner", { type: "string", describe: "microvm-nix: a built microvm.declaredRunner to run as it is" })
        .option("kernel", { type: "string", describe: "kernel image path (qemu-direct)" })
        .option("initrd", { type: "string", describe: "initrd path (qemu-direct)" })
        .option("kernel-param", { type: "string", array: true, describe: "kernel command-line parameter; repeatable" })
        .option("stopped", { type: "boolean", default: false, describe: "create it with desired state stopped" })
        .option("wait", { type: "boolean", default: false, describe: "wait until it runs (or fails), up to --timeout-ms" }),
    ) as never,
  handler: (args) => handle(() => runCreate(args)),
};

async function runCreate(args: CreateArgs): Promise<number> {
  const mode = outputModeFor(args.json);
  const raw = args.spec !== undefined ? readSpecFile(args.spec, args.name) : specFromFlags(args);
  if (!raw.ok) {
    printError(stdioPrinter, mode, raw.error);
    return EXIT_USAGE;
  }
  const spec = checkSpec(raw.value);
  if (!spec.ok) {
    printError(stdioPrinter, mode, spec.error);
    return EXIT_USAGE;
  }
  return runWithClient(args, async (ctx) => {
    const desired = args.stopped ? "stopped" : "running";
    const result = await expectOk(ctx, clusterOp<ClusterApplied>(ctx.client, { type: "create-vm", spec: spec.value, desired }));
    if (result === null) return EXIT_OPERATION_FAILED;
    if (!args.wait || args.stopped) return applied(ctx, result, `created VM ${spec.value.name} (desired ${desired})`);
    if (!ctx.mode.json) ctx.printer.out(`created VM ${spec.value.name}; waiting for it to run`);
    const vm = await expectOk(ctx, waitForVm(ctx.client, spec.value.name, isSettledRunning, args.timeoutMs));
    if (vm === null) return EXIT_OPERATION_FAILED;
    if (ctx.mode.json) printJson(ctx.printer, vm);
    else ctx.printer.out(`VM ${vm.spec.name} is ${vm.status} on ${vm.placement?.hostId ?? "no host"}`);
    return vm.status === "running" ? EXIT_OK : EXIT_OPERATION_FAILED;
  });
}

const update: CommandModule<object, UpdateArgs> = {
  command: "update <name>",
  describe: "Replace a VM's spec; its host restarts it with the new one (rebuilding a microvm.nix runner) if what it launches changed",
  builder: (y) =>
    withClientOptions(
      y.positional("name", { type: "string", demandOption: true }).option("spec", { type: "string", demandOption: true, describe: "JSON file holding the whole new spec (its name is taken from <name>)" }),
    ) as never,
  handler: (args) =>
    handle(async () => {
      const mode = outputModeFor(args.json);
      const raw = readSpecFile(args.spec, String(args.name));
      const spec = raw.ok ? checkSpec(raw.value) : raw;
      if (!spec.ok) {
        printError(stdioPrinter, mode, spec.error);
        return EXIT_USAGE;
      }
      return runWithClient(args, async (ctx) => {
        const result = await expectOk(ctx, clusterOp<ClusterApplied>(ctx.client, { type: "update-vm", spec: spec.value }));
        return result === null ? EXIT_OPERATION_FAILED : applied(ctx, result, result.detail);
      });
    }),
};

function desiredCommand(verb: "start" | "stop" | "delete", desired: "running" | "stopped" | "deleted", describe: string): CommandModule<object, NameArgs> {
  return {
    command: `${verb} <name>`,
    describe,
    builder: (y) => withClientOptions(y.positional("name", { type: "string", demandOption: true })) as never,
    handler: (args) =>
      handle(() =>
        runWithClient(args, async (ctx) => {
          const result = await expectOk(ctx, setDesired(ctx.client, String(args.name), desired));
          return result === null ? EXIT_OPERATION_FAILED : applied(ctx, result, `VM ${String(args.name)}: desired ${desired}`);
        }),
      ),
  };
}

const restart: CommandModule<object, NameArgs> = {
  command: "restart <name>",
  describe: "Stop a VM, wait until it is down, then start it again",
  builder: (y) => withClientOptions(y.positional("name", { type: "string", demandOption: true })) as never,
  handler: (args) =>
    handle(() =>
      runWithClient(args, async (ctx) => {
        const name = String(args.name);
        if ((await expectOk(ctx, setDesired(ctx.client, name, "stopped"))) === null) return EXIT_OPERATION_FAILED;
        const down = await expectOk(ctx, waitForVm(ctx.client, name, (vm) => STOPPED_STATUSES.includes(vm.status), args.timeoutMs));
        if (down === null) return EXIT_OPERATION_FAILED;
        const result = await expectOk(ctx, setDesired(ctx.client, name, "running"));
        return result === null ? EXIT_OPERATION_FAILED : applied(ctx, result, `VM ${name} restarted (was ${down.status})`);
      }),
    ),
};

const migrate: CommandModule<object, MigrateArgs> = {
  command: "migrate <name>",
  describe: "Move a VM to another host (cold: stopped there, started here)",
  builder: (y) => withClientOptions(y.positional("name", { type: "string", demandOption: true }).option("to", { type: "string", demandOption: true, describe: "target host id" })) as never,
  handler: (args) =>
    handle(() =>
      runWithClient(args, async (ctx) => {
        const result = await expectOk(ctx, clusterOp<ClusterApplied>(ctx.client, { type: "migrate-vm", vmName: String(args.name), targetHostId: String(args.to) }));
        return result === null ? EXIT_OPERATION_FAILED : applied(ctx, result, `VM ${String(args.name)}: migrating to ${String(args.to)}`);
      }),
    ),
};

const list: CommandModule<object, ClientArgs> = {
  command: "list",
  describe: "List VMs: desired and observed state, host, generation, size",
  builder: (y) => withClientOptions(y) as never,
  handler: (args) =>
    handle(() =>
      runWithClient(args, async (ctx) => {
        const vms = await expectOk(ctx, clusterOp<VmRecord[]>(ctx.client, { type: "list-vms" }));
        if (vms === null) return EXIT_OPERATION_FAILED;
        if (ctx.mode.json) printJson(ctx.printer, vms);
        else for (const line of vmTable(vms, ctx.mode)) ctx.printer.out(line);
        return EXIT_OK;
      }),
    ),
};

const status: CommandModule<object, NameArgs> = {
  command: "status <name>",
  describe: "Show one VM: record, transition history, why it is pending",
  builder: (y) => withClientOptions(y.positional("name", { type: "string", demandOption: true })) as never,
  handler: (args) =>
    handle(() =>
      runWithClient(args, async (ctx) => {
        const vm = await expectOk(ctx, getVm(ctx.client, String(args.name)));
        if (vm === null) return EXIT_OPERATION_FAILED;
        if (ctx.mode.json) printJson(ctx.printer, vm);
        else for (const line of vmStatusLines(vm, ctx.mode)) ctx.printer.out(line);
        return EXIT_OK;
      }),
    ),
};

/** `blixard vm ...`: create, control and inspect VMs. */
export const vmCommand: CommandModule<object, object> = {
  command: "vm <command>",
  describe: "Create, control and inspect VMs",
  builder: (y: Argv) =>
    y
      .command(create)
      .command(update)
      .command(desiredCommand("start", "running", "Set a VM's desired state to running"))
      .command(desiredCommand("stop", "stopped", "Set a VM's desired state to stopped"))
      .command(restart)
      .command(desiredCommand("delete", "deleted", "Delete a VM (stopped first, then removed)"))
      .command(migrate)
      .command(list)
      .command(status)
      .demandCommand(1)
      .fail(failWithUsage) as never,
  handler: () => {},
};
