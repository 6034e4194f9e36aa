import type { Argv, CommandModule } from "yargs";
import { addResources, type ClusterApplied, type HostRecord, type NodeStatusView, type PeerAddress, type Resources, type VmRecord } from "@blixard/core";
import { clusterOp } from "../client/cluster-ops";
import { checkPeerUrl, usage } from "../client/cluster-endpoints";
import { discoverNodeId } from "../client/discover-node-id";
import { describeConfig, membershipOp, promoteWhenCaughtUp, transferLeadership } from "../client/membership-ops";
import { queryNodeStatuses } from "../client/node-status-query";
import { EXIT_OK, EXIT_OPERATION_FAILED, EXIT_USAGE, printError, printJson, renderTable, stdioPrinter } from "../client/output";
import { hostTable } from "../client/vm-view";
import { failWithUsage, handle, runWithClient, withClientOptions, type ClientArgs, type ClientContext } from "./client-args";

/** Each node answers its status query within this long, or is shown without one. */
const STATUS_QUERY_TIMEOUT_MS = 3_000;

interface StatusArgs extends ClientArgs {
  readonly metrics?: string;
}
interface HostArgs extends ClientArgs {
  readonly host: string;
}
interface NodeArgs extends ClientArgs {
  readonly id: string;
}
interface AddNodeArgs extends NodeArgs {
  readonly address?: string;
  readonly catchUpTimeoutMs: number;
}

const status: CommandModule<object, StatusArgs> = {
  command: "status",
  describe: "Per node: reachable, role, term, leader, commit/applied, config index, health (each node answers for itself)",
  builder: (y) => withClientOptions(y.option("metrics", { type: "string", describe: "no longer needed (status comes over the wire); accepted for old scripts" })) as never,
  handler: (args) => handle(() => runWithClient(args, (ctx) => runStatus(ctx, args), stdioPrinter, { waitForAllProbes: true })),
};

async function runStatus(ctx: ClientContext, args: StatusArgs): Promise<number> {
  const targets = ctx.client.reach.flatMap((r) => (r.nodeId === null || !r.reachable ? [] : [{ nodeId: r.nodeId, url: r.url }]));
  const answers = await queryNodeStatuses(targets, args.clusterId, Math.min(args.timeoutMs, STATUS_QUERY_TIMEOUT_MS));
  const byUrl = new Map(answers.map((a) => [a.url, a]));
  const hosts = await clusterOp<HostRecord[]>(ctx.client, { type: "list-hosts" });
  const nodes = ctx.client.reach.map((r) => {
    const answer = byUrl.get(r.url);
    return { ...r, status: answer?.ok === true ? answer.status : null, statusError: answer?.ok === false ? answer.error : null };
  });
  if (ctx.mode.json) {
    printJson(ctx.printer, { nodes, answeredBy: ctx.client.lastAnswered, hosts: hosts.ok ? hosts.value : null, hostsError: hosts.ok ? null : hosts.error });
    return hosts.ok ? EXIT_OK : EXIT_OPERATION_FAILED;
  }
  for (const line of renderTable(STATUS_HEADERS, nodes.map((n) => statusRow(n, n.status)), ctx.mode)) ctx.printer.out(line);
  for (const n of nodes) if (n.error !== null) ctx.printer.err(`${n.url}: ${n.error.code}: ${n.error.message}`);
  for (const n of nodes) if (n.statusError !== null) ctx.printer.err(`${n.url}: ${n.statusError.code}: ${n.statusError.message}`);
  for (const n of nodes) if (n.status?.failure != null) ctx.printer.err(`${n.nodeId ?? n.url} refuses to serve: ${n.status.failure.code}: ${n.status.failure.message}`);
  if (!hosts.ok) {
    printError(ctx.printer, ctx.mode, hosts.error);
    return EXIT_OPERATION_FAILED;
  }
  const healthy = hosts.value.filter((h) => h.status === "healthy").length;
  ctx.printer.out(`cluster answered a linearizable read via ${dash(ctx.client.lastAnswered)}; ${hosts.value.length} hosts registered, ${healthy} healthy`);
  return EXIT_OK;
}

const STATUS_HEADERS = ["node", "url", "reachable", "role", "term", "leader", "commit/applied", "config@", "health", "pending"];

function statusRow(n: { nodeId: string | null; url: string; reachable: boolean; handshakeMs: number }, s: NodeStatusView | null): string[] {
  return [
    dash(n.nodeId),
    n.url,
    n.reachable ? `yes (${n.handshakeMs} ms)` : "NO",
    dash(s?.role),
    dash(s?.term),
    dash(s?.leaderId),
    s === null ? "-" : `${dash(s.commitIndex)}/${dash(s.appliedIndex)}`,
    dash(s?.configIndex),
    s === null ? "-" : s.failure === null ? s.health : `${s.health} (${s.failure.code})`,
    dash(s?.pendingRequests),
  ];
}

function dash(v: unknown): string {
  return v === null || v === undefined ? "-" : String(v);
}

/** `cluster add-node ID [--address URL]`: add as learner, wait until caught up, promote. */
const addNode: CommandModule<object, AddNodeArgs> = {
  command: "add-node <id>",
  describe: "Add a node: as a learner first, promoted to voter once its log has caught up",
  builder: (y) =>
    withClientOptions(
      y
        .positional("id", { type: "string", demandOption: true, describe: "the new node's id (start it with blixard node --join)" })
        .option("address", { type: "string", describe: "ws://host:port of the new node: checked to answer as <id>, then recorded so every node can dial it" })
        .option("catch-up-timeout-ms", { type: "number", default: 60_000, describe: "how long to wait for the learner to catch up before promoting" }),
    ) as never,
  handler: (args) => handle(() => runWithClient(args, (ctx) => runAddNode(ctx, args))),
};

async function runAddNode(ctx: ClientContext, args: AddNodeArgs): Promise<number> {
  const id = String(args.id);
  if (args.address !== undefined) {
    const url = checkPeerUrl(args.address);
    if (!url.ok) {
      printError(ctx.printer, ctx.mode, usage(`--address ${url.error}`));
      return EXIT_USAGE;
    }
    const found = await discoverNodeId({ url: url.value, clusterId: args.clusterId, selfId: `add-node-probe-${process.pid}`, timeoutMs: Math.min(args.timeoutMs, 5_000) });
    const mismatch = found.ok && found.value !== id ? usage(`the node at ${url.value} says it is ${found.value}, not ${id}`) : null;
    if (!found.ok || mismatch !== null) {
      printError(ctx.printer, ctx.mode, mismatch ?? (found.ok ? usage("unreachable") : found.error));
      return EXIT_OPERATION_FAILED;
    }
    // Replicated first: every member (the leader above all) must know where to send the learner its log.
    const recorded = await clusterOp<ClusterApplied>(ctx.client, { type: "set-peer-address", nodeId: id, address: url.value });
    if (!recorded.ok) return failed(ctx, recorded.error);
    if (!ctx.mode.json) ctx.printer.out(`${id} is reached at ${url.value}${recorded.value.effect === "ignored" ? " (already recorded)" : ""}`);
  } else {
    const known = await clusterOp<PeerAddress[]>(ctx.client, { type: "list-peers" });
    if (known.ok && !known.value.some((p) => p.nodeId === id)) {
      ctx.printer.err(`note: the cluster has no address for ${id}; unless every node was started with --peer ${id}=..., pass --address so the leader can reach it`);
    }
  }
  const added = await membershipOp(ctx.client, "add-learner", id);
  if (!added.ok) return failed(ctx, added.error);
  if (!ctx.mode.json) ctx.printer.out(added.value.changed ? `${id} added as a learner; waiting for it to catch up` : `${id} is already a member`);
  const promoted = await promoteWhenCaughtUp(ctx.client, id, args.catchUpTimeoutMs);
  if (!promoted.ok) return failed(ctx, promoted.error);
  if (ctx.mode.json) printJson(ctx.printer, promoted.value);
  else ctx.printer.out(`${id} is a voter (${describeConfig(promoted.value)})`);
  return EXIT_OK;
}

/** `cluster peers`: the replicated peer directory (node id → address the others dial). */
const peers: CommandModule<object, ClientArgs> = {
  command: "peers",
  describe: "List the replicated peer addresses (where each node's Raft endpoint is dialled)",
  builder: (y) => withClientOptions(y) as never,
  handler: (args) =>
    handle(() =>
      runWithClient(args, async (ctx) => {
        const listed = await clusterOp<PeerAddress[]>(ctx.client, { type: "list-peers" });
        if (!listed.ok) return failed(ctx, listed.error);
        if (ctx.mode.json) printJson(ctx.printer, listed.value);
        else for (const line of renderTable(["node", "address"], listed.value.map((p) => [p.nodeId, p.address]), ctx.mode)) ctx.printer.out(line);
        return EXIT_OK;
      }),
    ),
};

const removeNode: CommandModule<object, NodeArgs> = {
  command: "remove-node <id>",
  describe: "Remove a node from the configuration (the leader itself too: it hands over leadership)",
  builder: (y) => withClientOptions(y.positional("id", { type: "string", demandOption: true })) as never,
  handler: (args) =>
    handle(() =>
      runWithClient(args, async (ctx) => {
        const removed = await membershipOp(ctx.client, "remove", String(args.id));
        if (!removed.ok) return failed(ctx, removed.error);
        if (ctx.mode.json) printJson(ctx.printer, removed.value);
        else ctx.printer.out(removed.value.changed ? `${String(args.id)} removed (${describeConfig(removed.value)})` : `${String(args.id)} is not a member: nothing to do`);
        return EXIT_OK;
      }),
    ),
};

const transfer: CommandModule<object, NodeArgs> = {
  command: "transfer-leadership <id>",
  describe: "Hand leadership to another voter (it must be caught up; at most one election timeout)",
  builder: (y) => withClientOptions(y.positional("id", { type: "string", demandOption: true })) as never,
  handler: (args) =>
    handle(() =>
      runWithClient(args, async (ctx) => {
        const moved = await transferLeadership(ctx.client, String(args.id));
        if (!moved.ok) return failed(ctx, moved.error);
        if (ctx.mode.json) printJson(ctx.printer, moved.value);
        else ctx.printer.out(`${moved.value.leaderId} leads term ${moved.value.term}`);
        return EXIT_OK;
      }),
    ),
};

function failed(ctx: ClientContext, error: Parameters<typeof printError>[2]): number {
  printError(ctx.printer, ctx.mode, error);
  return EXIT_OPERATION_FAILED;
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

/** `blixard cluster ...`: nodes and hosts. */
export const clusterCommand: CommandModule<object, object> = {
  command: "cluster <command>",
  describe: "Inspect the cluster's nodes, change its membership and manage its hosts",
  builder: (y: Argv) =>
    y
      .command(status)
      .command(hosts)
      .command(peers)
      .command(addNode)
      .command(removeNode)
      .command(transfer)
      .command(hostCommand("cordon", "Stop placing new VMs on a host (running VMs stay)", "cordoned: no new placements"))
      .command(hostCommand("uncordon", "Allow placements on a host again", "uncordoned: placements allowed"))
      .command(hostCommand("drain", "Cordon a host and move its VMs elsewhere", "draining: its VMs will be moved"))
      .demandCommand(1)
      .fail(failWithUsage) as never,
  handler: () => {},
};
