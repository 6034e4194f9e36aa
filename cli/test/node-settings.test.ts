import { describe, expect, it } from "vitest";
import { gatherNodeSettings, resolveNodeLaunch } from "../src/node/node-settings";

/** Settings of `blixard node` from flags (yargs argv: given flags only), BLIXARD_* and a TOML file. */
const files: Record<string, string> = {
  "/etc/blixard/node.toml": [
    'id = "n1"',
    'listen = "10.0.0.1:7001"',
    'data_dir = "/var/lib/blixard"',
    "vcpus = 8",
    'peer = ["n2=ws://10.0.0.2:7001", "n3=ws://10.0.0.3:7001"]',
    'log-format = "json"',
  ].join("\n"),
  "/bad/syntax.toml": 'id = "n1"\nlisten = [1,\n',
  "/bad/key.toml": 'id = "n1"\ndatadir = "/x"\n',
  "/bad/type.toml": 'id = "n1"\nvcpus = "eight"\n',
  "/bad/twice.toml": 'data-dir = "/a"\ndata_dir = "/b"\n',
};
const readFile = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
  return text;
};

function launch(argv: Record<string, unknown>, env: Record<string, string> = {}) {
  return resolveNodeLaunch(argv, env, readFile);
}

function message(argv: Record<string, unknown>, env: Record<string, string> = {}): string {
  const result = launch(argv, env);
  return result.ok ? "(accepted)" : result.error.message;
}

describe("blixard node settings: flags > BLIXARD_* > config file > defaults", () => {
  it("takes every setting from the file, named by flag (kebab or snake case), with defaults for the rest", () => {
    const result = launch({ config: "/etc/blixard/node.toml" });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value).toMatchObject({
      nodeId: "n1",
      listen: { host: "10.0.0.1", port: 7001 },
      dataDir: "/var/lib/blixard",
      peers: { n2: "ws://10.0.0.2:7001", n3: "ws://10.0.0.3:7001" },
      capacity: { vcpus: 8, memoryMib: 32 * 1024, diskGib: 500 },
      logFormat: "json",
      logLevel: "info",
      clusterId: "blixard",
    });
  });

  it("an environment variable beats the file, a flag beats both, and a list is replaced, never merged", () => {
    const env = { BLIXARD_CONFIG: "/etc/blixard/node.toml", BLIXARD_VCPUS: "12", BLIXARD_PEER: "n2=ws://10.0.0.2:7001, n4=ws://10.0.0.4:7001", BLIXARD_JOIN: "yes", BLIXARD_LOG_LEVEL: "debug" };
    const fromEnv = launch({}, env);
    if (!fromEnv.ok) throw new Error(fromEnv.error.message);
    expect(fromEnv.value.capacity.vcpus).toBe(12);
    expect(fromEnv.value.peers).toEqual({ n2: "ws://10.0.0.2:7001", n4: "ws://10.0.0.4:7001" });
    expect(fromEnv.value.join).toBe(true);
    expect(fromEnv.value.logLevel).toBe("debug");
    const fromFlags = launch({ vcpus: 2, peer: ["n5=ws://10.0.0.5:7001"], logLevel: "warn" }, env);
    if (!fromFlags.ok) throw new Error(fromFlags.error.message);
    expect(fromFlags.value.capacity.vcpus).toBe(2);
    expect(fromFlags.value.peers).toEqual({ n5: "ws://10.0.0.5:7001" });
    expect(fromFlags.value.logLevel).toBe("warn");
    // --config beats BLIXARD_CONFIG too, and an empty variable counts as unset.
    const settings = gatherNodeSettings({ config: "/etc/blixard/node.toml", id: "x" }, { BLIXARD_CONFIG: "/nowhere.toml", BLIXARD_LISTEN: "" }, readFile);
    expect(settings.ok && settings.value.sources.get("listen")).toEqual({ kind: "file", path: "/etc/blixard/node.toml", key: "listen" });
    expect(settings.ok && settings.value.sources.get("id")).toEqual({ kind: "flag" });
  });

  it("says where a bad value came from", () => {
    const base = { id: "n1", listen: "127.0.0.1:7001", dataDir: "/d" };
    expect(message(base, { BLIXARD_VCPUS: "eight" })).toBe('the environment variable BLIXARD_VCPUS must be a number, got "eight"');
    expect(message(base, { BLIXARD_JOIN: "maybe" })).toBe('the environment variable BLIXARD_JOIN must be true or false (or 1/0, yes/no), got "maybe"');
    expect(message(base, { BLIXARD_VCPUS: "0" })).toBe("--vcpus must be an integer from 1 to 4096, got 0 (set by the environment variable BLIXARD_VCPUS)");
    expect(message({ ...base, vcpus: 0 })).toBe("--vcpus must be an integer from 1 to 4096, got 0");
    expect(message({ config: "/bad/type.toml", listen: "127.0.0.1:1", dataDir: "/d" })).toBe('key vcpus in the config file /bad/type.toml must be a number, got "eight"');
    expect(message({ config: "/bad/key.toml" })).toMatch(/^the config file \/bad\/key.toml has an unknown key "datadir"; known keys: id, listen, peer, /);
    expect(message({ config: "/bad/twice.toml" })).toBe("the config file /bad/twice.toml sets data-dir twice (as data-dir and data_dir)");
    expect(message({ config: "/bad/syntax.toml" })).toMatch(/^the config file \/bad\/syntax.toml is not valid TOML at line \d+, column \d+: /);
    expect(message({ config: "/missing.toml" })).toBe("cannot read the config file /missing.toml: ENOENT: no such file or directory, open '/missing.toml'");
    expect(message({ listen: "127.0.0.1:1", dataDir: "/d" })).toBe("--id is required: give the flag, BLIXARD_ID, or id in the config file");
    expect(message({ ...base, metricsPort: 9100, metricsListen: "0.0.0.0:9100" })).toBe("--metrics-listen and --metrics-port say the same thing; give one");
    expect(message({ ...base, logFormat: "xml" })).toBe('--log-format must be one of json, text, got "xml"');
  });
});
