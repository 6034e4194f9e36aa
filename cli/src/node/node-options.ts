import { DEFAULT_MICROVM_NIX_OPTIONS, NODE_READ_MODES } from "@blixard/core";
import { DEFAULT_CLUSTER_ID } from "@blixard/runtime-real";
import { NODE_BACKENDS } from "./node-args";
import { LOG_FORMATS, LOG_LEVELS } from "./node-log";

/**
 * Every `blixard node` setting, once. The command's flags, its `BLIXARD_*`
 * environment variables and its config-file keys are all derived from this
 * table (node-settings.ts), so a setting added here can be given all three
 * ways. Defaults are applied by parseNodeArgs, not by yargs: a flag's absence
 * must stay visible so that the environment and the file can supply it.
 */
export interface NodeOptionSpec {
  readonly type: "string" | "number" | "boolean";
  /** Repeatable flag; a list in the file; comma-separated in the environment. */
  readonly array?: boolean;
  readonly choices?: readonly string[];
  readonly describe: string;
  /** Must be given one way or another. */
  readonly required?: boolean;
}

export const NODE_OPTIONS: Readonly<Record<string, NodeOptionSpec>> = {
  id: { type: "string", required: true, describe: "this node's id (also its host id)" },
  listen: { type: "string", required: true, describe: "host:port to listen on for peers and clients, e.g. 127.0.0.1:7001" },
  peer: { type: "string", array: true, describe: "another node, id=ws://host:port; repeat per peer (the bootstrap voters, unless --join)" },
  join: { type: "boolean", describe: "start with an empty configuration and wait to be added (blixard cluster add-node); --peer then only gives addresses" },
  advertise: { type: "string", describe: "ws://host:port (or wss://) other nodes reach this one at; default: the listen address" },
  "data-dir": { type: "string", required: true, describe: "directory for this node's durable state" },
  "cluster-id": { type: "string", describe: `nodes only talk to nodes with the same cluster id; default ${DEFAULT_CLUSTER_ID}` },
  backend: { type: "string", choices: NODE_BACKENDS, describe: "how VMs are launched; default process" },
  vcpus: { type: "number", describe: "vCPUs this host offers; default 16" },
  "memory-mib": { type: "number", describe: "memory this host offers; default 32768" },
  "disk-gib": { type: "number", describe: "disk this host offers; default 500" },
  feature: { type: "string", array: true, describe: "a host feature (kvm, gpu, nix...); repeatable" },
  "nixpkgs-flake": { type: "string", describe: `microvm-nix: nixpkgs flake reference guests are built with (pin a revision); default ${DEFAULT_MICROVM_NIX_OPTIONS.nixpkgsFlake}` },
  "microvm-flake": { type: "string", describe: `microvm-nix: microvm.nix flake reference; default ${DEFAULT_MICROVM_NIX_OPTIONS.microvmFlake}` },
  "nix-command": { type: "string", describe: "microvm-nix: the Nix CLI that builds runners; default nix" },
  "nix-build-timeout-s": { type: "number", describe: `microvm-nix: a runner build still running after this long fails the start; default ${DEFAULT_MICROVM_NIX_OPTIONS.buildTimeoutMs / 1000}` },
  "metrics-listen": { type: "string", describe: "also serve /metrics, /health, /ready and /status on this host:port (they are always served on the --listen port too)" },
  "metrics-port": { type: "number", describe: "the same as --metrics-listen 127.0.0.1:PORT" },
  "read-mode": {
    type: "string",
    choices: NODE_READ_MODES,
    describe: "linearizable reads: read-index (a heartbeat round per read; the default) or lease (no round while a quorum's lease holds; assumes clocks drift apart by at most 1000 ppm). Use the same on every node",
  },
  "log-format": { type: "string", choices: LOG_FORMATS, describe: "json (one object per line) or text (human lines); default text on a terminal, json otherwise" },
  "log-level": { type: "string", choices: LOG_LEVELS, describe: "least severe level logged; default info (debug adds every trace event)" },
  "trace-file": { type: "string", describe: "also append the full JSON-lines trace (every event) to this file" },
};

/** `--data-dir` → `BLIXARD_DATA_DIR`. */
export function envName(option: string): string {
  return `BLIXARD_${option.toUpperCase().replace(/-/g, "_")}`;
}

/** `--data-dir` → `dataDir`, the key yargs and parseNodeArgs use. */
export function camelName(option: string): string {
  return option.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
