import type { CommandModule } from "yargs";
import { DEFAULT_MICROVM_NIX_OPTIONS, NODE_READ_MODES } from "@blixard/core";
import { DEFAULT_CLUSTER_ID } from "@blixard/runtime-real";
import { NODE_BACKENDS, parseNodeArgs, type RawNodeArgs } from "../node/node-args";
import { failWithUsage, handle } from "./client-args";

/** `blixard node`: run one cluster node (Raft, state, VM controller) on this machine. */
export const nodeCommand: CommandModule<object, RawNodeArgs> = {
  command: "node",
  describe: "Run a Blixard node on this host",
  builder: (yargs) =>
    yargs
      .option("id", { type: "string", demandOption: true, describe: "this node's id (also its host id)" })
      .option("listen", { type: "string", demandOption: true, describe: "host:port to listen on for peers and clients, e.g. 127.0.0.1:7001" })
      .option("peer", { type: "string", array: true, describe: "another node, id=ws://host:port; repeat per peer (the bootstrap voters, unless --join)" })
      .option("join", { type: "boolean", describe: "start with an empty configuration and wait to be added (blixard cluster add-node); --peer then only gives addresses" })
      .option("advertise", { type: "string", describe: "ws://host:port (or wss://) other nodes reach this one at; default: the listen address" })
      .option("data-dir", { type: "string", demandOption: true, describe: "directory for this node's durable state" })
      .option("cluster-id", { type: "string", default: DEFAULT_CLUSTER_ID, describe: "nodes only talk to nodes with the same cluster id" })
      .option("backend", { type: "string", default: "process", choices: NODE_BACKENDS, describe: "how VMs are launched" })
      .option("vcpus", { type: "number", default: 16, describe: "vCPUs this host offers" })
      .option("memory-mib", { type: "number", default: 32 * 1024, describe: "memory this host offers" })
      .option("disk-gib", { type: "number", default: 500, describe: "disk this host offers" })
      .option("feature", { type: "string", array: true, describe: "a host feature (kvm, gpu, nix...); repeatable" })
      .option("nixpkgs-flake", { type: "string", describe: `microvm-nix: nixpkgs flake reference guests are built with (pin a revision); default ${DEFAULT_MICROVM_NIX_OPTIONS.nixpkgsFlake}` })
      .option("microvm-flake", { type: "string", describe: `microvm-nix: microvm.nix flake reference; default ${DEFAULT_MICROVM_NIX_OPTIONS.microvmFlake}` })
      .option("nix-command", { type: "string", describe: "microvm-nix: the Nix CLI that builds runners; default nix" })
      .option("nix-build-timeout-s", { type: "number", describe: `microvm-nix: a runner build still running after this long fails the start; default ${DEFAULT_MICROVM_NIX_OPTIONS.buildTimeoutMs / 1000}` })
      .option("metrics-port", { type: "number", describe: "serve /metrics and /status on 127.0.0.1:PORT" })
      .option("read-mode", {
        type: "string",
        default: "read-index",
        choices: NODE_READ_MODES,
        describe: "linearizable reads: read-index (a heartbeat round per read) or lease (no round while a quorum's lease holds; assumes clocks drift apart by at most 1000 ppm). Use the same on every node",
      })
      .option("trace-file", { type: "string", describe: "append the JSON-lines trace here instead of stderr" })
      .check((argv) => {
        const parsed = parseNodeArgs(argv as RawNodeArgs);
        if (!parsed.ok) throw new Error(parsed.error.message);
        return true;
      })
      .fail(failWithUsage) as never,
  handler: (args) =>
    handle(async () => {
      // Loaded on demand: the runtime (SQLite, metrics) is for this command alone.
      const { runNode, stopSignals } = await import("../node/run-node");
      const launch = parseNodeArgs(args);
      if (!launch.ok) throw new Error(`unreachable: arguments were checked: ${launch.error.message}`);
      return runNode(launch.value, {
        out: (line) => void process.stdout.write(`${line}\n`),
        err: (line) => void process.stderr.write(`${line}\n`),
        stopRequested: stopSignals(),
      });
    }),
};
