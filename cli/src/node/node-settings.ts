import { readFileSync } from "node:fs";
import { parse as parseToml, TomlError } from "smol-toml";
import { blixardError, err, ok, type BlixardError, type Result } from "@blixard/core";
import { parseNodeArgs, type NodeLaunch, type RawNodeArgs } from "./node-args";
import { camelName, envName, NODE_OPTIONS, type NodeOptionSpec } from "./node-options";

/**
 * Where `blixard node` takes its settings from, highest first:
 *
 *   1. flags                         --data-dir /var/lib/blixard
 *   2. environment variables         BLIXARD_DATA_DIR=/var/lib/blixard
 *   3. the config file (TOML)        data-dir = "/var/lib/blixard"
 *   4. built-in defaults
 *
 * The file is `--config PATH` or `BLIXARD_CONFIG`; its keys are the flags'
 * names (kebab-case, or snake_case), lists are TOML arrays, and an unknown key
 * is an error. A list in the environment is comma-separated
 * (`BLIXARD_PEER=n2=ws://10.0.0.2:7001,n3=ws://10.0.0.3:7001`); a boolean is
 * true/false/1/0/yes/no. A higher source replaces a list, never extends it.
 * Every error names where the bad value came from.
 */
export const CONFIG_ENV = "BLIXARD_CONFIG";
const CONFIG_BYTES_MAX = 1024 * 1024;

export type SettingSource = { readonly kind: "flag" } | { readonly kind: "env"; readonly name: string } | { readonly kind: "file"; readonly path: string; readonly key: string };

export interface NodeSettings {
  readonly raw: RawNodeArgs;
  /** Where each given setting (by option name) came from. */
  readonly sources: ReadonlyMap<string, SettingSource>;
  readonly configPath: string | null;
}

/**
 * Merge flags (yargs' argv: only the flags actually given carry a value),
 * the environment and the config file. `readFile` is injectable for tests.
 */
export function gatherNodeSettings(
  argv: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (path) => readFileSync(path, "utf8"),
): Result<NodeSettings> {
  const configFlag = argv["config"];
  const configPath = typeof configFlag === "string" && configFlag !== "" ? configFlag : nonEmpty(env[CONFIG_ENV]);
  const merged: Record<string, unknown> = {};
  const sources = new Map<string, SettingSource>();
  if (configPath !== null) {
    const file = readConfigFile(configPath, readFile);
    if (!file.ok) return file;
    for (const [option, { value, key }] of file.value) {
      merged[camelName(option)] = value;
      sources.set(option, { kind: "file", path: configPath, key });
    }
  }
  for (const [option, spec] of Object.entries(NODE_OPTIONS)) {
    const name = envName(option);
    const text = env[name];
    if (text === undefined || text === "") continue;
    const value = fromEnv(name, text, spec);
    if (!value.ok) return value;
    merged[camelName(option)] = value.value;
    sources.set(option, { kind: "env", name });
  }
  for (const option of Object.keys(NODE_OPTIONS)) {
    const value = argv[camelName(option)];
    if (value === undefined) continue;
    merged[camelName(option)] = value;
    sources.set(option, { kind: "flag" });
  }
  for (const [option, spec] of Object.entries(NODE_OPTIONS)) {
    if (spec.required === true && merged[camelName(option)] === undefined) {
      return bad(`--${option} is required: give the flag, ${envName(option)}, or ${option} in the config file`);
    }
  }
  return ok({ raw: merged as RawNodeArgs, sources, configPath });
}

/** Gather and check: the launch, or the first problem with where its value came from. */
export function resolveNodeLaunch(argv: Readonly<Record<string, unknown>>, env: Readonly<Record<string, string | undefined>>, readFile?: (path: string) => string): Result<NodeLaunch> {
  const settings = gatherNodeSettings(argv, env, readFile);
  if (!settings.ok) return settings;
  const launch = parseNodeArgs(settings.value.raw);
  if (launch.ok) return launch;
  return err({ ...launch.error, message: withSource(launch.error.message, settings.value.sources) });
}

/** "--vcpus must be …" about a value from the environment or the file says so. */
function withSource(message: string, sources: ReadonlyMap<string, SettingSource>): string {
  const option = /^--([a-z0-9-]+)/.exec(message)?.[1];
  const source = option === undefined ? undefined : sources.get(option);
  if (source === undefined || source.kind === "flag") return message;
  return `${message} (set by ${source.kind === "env" ? `the environment variable ${source.name}` : `key ${source.key} in the config file ${source.path}`})`;
}

function readConfigFile(path: string, readFile: (path: string) => string): Result<Map<string, { value: unknown; key: string }>> {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    return bad(`cannot read the config file ${path}: ${error instanceof Error ? error.message : String(error)}`, "check --config or BLIXARD_CONFIG");
  }
  if (text.length > CONFIG_BYTES_MAX) return bad(`the config file ${path} is ${text.length} bytes; at most ${CONFIG_BYTES_MAX} are read`);
  let table: Record<string, unknown>;
  try {
    table = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const where = error instanceof TomlError ? ` at line ${error.line}, column ${error.column}` : "";
    const what = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return bad(`the config file ${path} is not valid TOML${where}: ${what}`);
  }
  const found = new Map<string, { value: unknown; key: string }>();
  for (const [key, value] of Object.entries(table)) {
    const option = key.replace(/_/g, "-");
    const spec = NODE_OPTIONS[option];
    if (spec === undefined || option === "config") {
      return bad(`the config file ${path} has an unknown key ${JSON.stringify(key)}; known keys: ${Object.keys(NODE_OPTIONS).join(", ")}`);
    }
    if (found.has(option)) return bad(`the config file ${path} sets ${option} twice (as ${found.get(option)?.key} and ${key})`);
    const checked = fromToml(path, key, value, spec);
    if (!checked.ok) return checked;
    found.set(option, { value: checked.value, key });
  }
  return ok(found);
}

function fromToml(path: string, key: string, value: unknown, spec: NodeOptionSpec): Result<unknown> {
  const where = `key ${key} in the config file ${path}`;
  if (spec.array === true) {
    const items = Array.isArray(value) ? value : [value];
    if (!items.every((item) => typeof item === spec.type)) return bad(`${where} must be a ${spec.type} or a list of them, got ${show(value)}`);
    return ok(items);
  }
  if (typeof value === "bigint") return bad(`${where} is too large a number: ${String(value)}`);
  if (typeof value !== spec.type) return bad(`${where} must be a ${spec.type}, got ${show(value)}`);
  return ok(value);
}

function fromEnv(name: string, text: string, spec: NodeOptionSpec): Result<unknown> {
  const one = (item: string): Result<unknown> => {
    if (spec.type === "string") return ok(item);
    if (spec.type === "number") {
      return /^[+-]?\d+(\.\d+)?$/.test(item.trim()) ? ok(Number(item)) : bad(`the environment variable ${name} must be a number, got ${show(item)}`);
    }
    const lower = item.trim().toLowerCase();
    if (["true", "1", "yes"].includes(lower)) return ok(true);
    if (["false", "0", "no"].includes(lower)) return ok(false);
    return bad(`the environment variable ${name} must be true or false (or 1/0, yes/no), got ${show(item)}`);
  };
  if (spec.array !== true) return one(text);
  const values: unknown[] = [];
  for (const item of text.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const value = one(item);
    if (!value.ok) return value;
    values.push(value.value);
  }
  return ok(values);
}

function nonEmpty(text: string | undefined): string | null {
  return text === undefined || text.trim() === "" ? null : text;
}

function show(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : Array.isArray(value) ? JSON.stringify(value) : String(value);
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

function bad(message: string, hint = "see blixard node --help (settings: flags > BLIXARD_* > config file > defaults)"): Result<never, BlixardError> {
  return err(blixardError("usage", message, { hint }));
}
