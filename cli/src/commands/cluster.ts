import type { Argv, CommandModule } from "yargs";
import { addResources, type ClusterApplied, type HostRecord, type Resources, type VmRecord } from "@blixard/core";
import { clusterOp } from "../client/cluster-ops";
import { fetchNodeStatus, parseStatusUrls, type NodeStatusReport } from "../client/node-status";
import { EXIT_OK, EXIT_OPERATION_FAILED, EXIT_USAGE, printError, printJson, renderTable } from "../client/output";
import { hostTable } from "../client/vm-view";
import { failWithUsage, handle, runWithClient, withClientOptions, type ClientArgs, type ClientContext } from "./client-args";

interface StatusArgs extends ClientArgs {
  readonly metrics?: string;
}
interface HostArgs extends ClientArgs {
  readonly host: string;
}

const STATUS_FETCH_TIMEOUT_MS = 2_000;

const status: CommandModule<object, StatusArgs> = {
  command: "status",
  describe: "Per node: reachable, role, term, leader, commit/applied (role and indexes need --metrics)",
  builder: (y) =>
    withClientOptions(y.option("metrics", { type: "string", describe: "the nodes' --metrics-port endpoints, http://127.0.0.1:9101,... for role/term/indexes" })) as never,
  handler: (args) => handle(() => runWithClient(args, (ctx) => runStatus(ctx, args))),
};

async function runStatus(ctx: ClientContext, args: StatusArgs): Promise<number> {
  const urls = args.metrics === undefined ? ok([]) : parseStatusUrls(args.metrics);
  if (!urls.ok) {
    printError(ctx.printer, ctx.mode, urls.error);
    return EXIT_USAGE;
  }
  const reports = await Promise.all(urls.value.map((url) => fetchNodeStatus(url, STATUS_FETCH_TIMEOUT_MS)));
  const byNode = new Map<string, NodeStatusReport>();
  for (const report of reports) if (report.ok) byNode.set(report.value.nodeId, report.value);
  const hosts = await clusterOp<HostRecord[]>(ctx.client, { type: "list-hosts" });
  const nodes = ctx.client.reach.map((r) => ({ ...r, status: r.nodeId === null ? null : (byNode.get(r.nodeId) ?? null) }));
  if (ctx.mode.json) {
    printJson(ctx.printer, { nodes, answeredBy: ctx.client.lastAnswered, hosts: hosts.ok ? hosts.value : null, hostsError: hosts.ok ? null : hosts.error });
    return hosts.ok ? EXIT_OK : EXIT_OPERATION_FAILED;
  }
  const dash = (v: unknown) => (v === null || v === undefined ? "-" : String(v));
  const rows = nodes.map((n) => [
    dash(n.nodeId),
    n.url,
    n.reachable ? `yes (${n.handshakeMs} ms)` : "NO",
    dash(n.status?.role),
    dash(n.status?.term),
    dash(n.status?.leaderId),
    n.status === null ? "-" : `${dash(n.status.commitIndex)}/${dash(n.status.appliedIndex)}`,
    dash(n.status?.health),
  ]);
  for (const line of renderTable(["node", "url", "reachable", "role", "term", "leader", "commit/applied", "health"], rows, ctx.mode)) ctx.printer.out(line);
  for (const n of nodes) if (n.error !== null) ctx.printer.err(`${n.url}: ${n.error.code}: ${n.error.message}`);
  for (const report of reports) if (!report.ok) ctx.printer.err(report.error.message);
  if (urls.value.length === 0) ctx.printer.err("role, term, leader and commit/applied come from each node's /status: pass --metrics http://127.0.0.1:PORT,... (nodes started with --metrics-port)");
  if (!hosts.ok) {
    printError(ctx.printer, ctx.mode, hosts.error);
    return EXIT_OPERATION_FAILED;
  }
  const healthy = hosts.value.filter((h) => h.status === "healthy").length;
  ctx.printer.out(`cluster answered a linearizable read via ${dash(ctx.client.lastAnswered)}; ${hosts.value.length} hosts registered, ${healthy} healthy`);
  return EXIT_OK;
}

const hosts: CommandModule<object, ClientArgs> = {
  command: "hosts",
  describe: "List hosts: health, cordoned/draining, capacity against allocation",
  builder: (y) => withClientOptions(y) as never,
  handler: (args) =>
    handle(() =>
      runWithClient(args, async (ctx) => {
        const listed = await clusterOp<HostRecord[]>(ctx.client, { type: "list-hosts" });
        if (!listed.ok) {
          printError(ctx.printer, ctx.mode, listed.error);
          return EXIT_OPERATION_FAILED;
        }
        const vms = await clusterOp<VmRecord[]>(ctx.client, { type: "list-vms" });
        if (!vms.ok) {
          printError(ctx.printer, ctx.mode, vms.error);
          return EXIT_OPERATION_FAILED;
        }
        const allocated = allocationByHost(vms.value);
        if (ctx.mode.json) printJson(ctx.printer, listed.value.map((h) => ({ ...h, allocated: allocated.get(h.id) ?? { vcpus: 0, memoryMib: 0, diskGib: 0 } })));
        else for (const line of hostTable(listed.value, allocated, ctx.mode)) ctx.printer.out(line);
        return EXIT_OK;
      }),
    ),
};

/** What placed VMs reserve on each host: the same sum the state keeps (every placed VM's spec). */
export function allocationByHost(vms: readonly VmRecord[]): Map<string, Resources> {
  const allocated = new Map<string, Resources>();
  for (const vm of vms) {
    const hostId = vm.placement?.hostId;
    if (hostId === undefined) continue;
    const used = allocated.get(hostId) ?? { vcpus: 0, memoryMib: 0, diskGib: 0 };
    allocated.set(hostId, addResources(used, { vcpus: vm.spec.vcpus, memoryMib: vm.spec.memoryMib, diskGib: vm.spec.diskGib }));
  }
  return allocated;
}

function hostCommand(verb: "cordon" | "uncordon" | "drain", describe: string, done: string): CommandModule<object, HostArgs> {
  return {
    command: `${verb} <host>`,
    describe,
    builder: (y) => withClientOptions(y.positional("host", { type: "string", demandOption: true })) as never,
    handler: (args) =>
      handle(() =>
        runWithClient(args, async (ctx) => {
          const result = await clusterOp<ClusterApplied>(ctx.client, { type: verb, hostId: String(args.host) });
          if (!result.ok) {
            printError(ctx.printer, ctx.mode, result.error);
            return EXIT_OPERATION_FAILED;
          }
          if (ctx.mode.json) printJson(ctx.printer, result.value);
          else ctx.printer.out(result.value.effect === "ignored" ? `host ${String(args.host)}: nothing to do (${result.value.detail})` : `host ${String(args.host)} ${done}`);
          return EXIT_OK;
        }),
      ),
  };
}

function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** `blixard cluster ...`: nodes and hosts. */
export const clusterCommand: CommandModule<object, object> = {
  command: "cluster <command>",
  describe: "Inspect the cluster's nodes and manage its hosts",
  builder: (y: Argv) =>
    y
      .command(status)
      .command(hosts)
      .command(hostCommand("cordon", "Stop placing new VMs on a host (running VMs stay)", "cordoned: no new placements"))
      .command(hostCommand("uncordon", "Allow placements on a host again", "uncordoned: placements allowed"))
      .command(hostCommand("drain", "Cordon a host and move its VMs elsewhere", "draining: its VMs will be moved"))
      .demandCommand(1)
      .fail(failWithUsage) as never,
  handler: () => {},
};
