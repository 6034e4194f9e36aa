import { describe, expect, it } from "vitest";
import { advertisedAddress, parseNodeArgs, type RawNodeArgs } from "../src/node/node-args";
import { nodeArgv } from "../src/node/local-node-process";

const joiner: RawNodeArgs = { id: "n4", listen: "127.0.0.1:7004", peer: ["n1=ws://127.0.0.1:7001"], dataDir: "./data/n4", join: true };

function launch(raw: RawNodeArgs) {
  const parsed = parseNodeArgs(raw);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

describe("blixard node --join and --advertise", () => {
  it("--join is kept; without it a node bootstraps as before", () => {
    expect(launch(joiner).join).toBe(true);
    expect(launch({ ...joiner, join: undefined }).join).toBe(false);
    const bad = parseNodeArgs({ ...joiner, join: "yes" });
    expect(bad.ok ? "" : bad.error.message).toBe('--join is a flag (true or false), got "yes"');
  });

  it("--advertise takes ws:// or wss://, normalised; anything else is a usage error naming the flag", () => {
    expect(launch({ ...joiner, advertise: "wss://n4.example.com:7443/" }).advertise).toBe("wss://n4.example.com:7443");
    expect(launch({ ...joiner, advertise: "ws://10.0.0.4:7004" }).advertise).toBe("ws://10.0.0.4:7004");
    expect(launch(joiner).advertise).toBeNull();
    for (const advertise of ["http://10.0.0.4:7004", "ws://10.0.0.4", "ws://10.0.0.4:7004/raft", "nonsense"]) {
      const parsed = parseNodeArgs({ ...joiner, advertise });
      expect(parsed.ok ? "" : parsed.error.message, advertise).toMatch(/^--advertise must look like ws:\/\/host:port or wss:\/\/host:port/);
    }
  });

  it("the published address: --advertise, else the bound URL, but nothing for a wildcard listen host", () => {
    expect(advertisedAddress({ advertise: "ws://10.0.0.4:7004", listen: { host: "0.0.0.0", port: 7004 } }, "ws://0.0.0.0:7004")).toBe("ws://10.0.0.4:7004");
    expect(advertisedAddress({ advertise: null, listen: { host: "127.0.0.1", port: 0 } }, "ws://127.0.0.1:41234")).toBe("ws://127.0.0.1:41234");
    expect(advertisedAddress({ advertise: null, listen: { host: "0.0.0.0", port: 7004 } }, "ws://0.0.0.0:7004")).toBeNull();
    expect(advertisedAddress({ advertise: null, listen: { host: "::", port: 7004 } }, "ws://[::]:7004")).toBeNull();
  });

  it("a local joiner process is started with --join and its peers' addresses", () => {
    const argv = nodeArgv({ nodeId: "n4", port: 7004, metricsPort: 9104, dataDir: "/tmp/n4", clusterPorts: { n1: 7001, n4: 7004 }, join: true });
    expect(argv).toContain("--join");
    expect(argv.join(" ")).toContain("--peer n1=ws://127.0.0.1:7001");
    expect(nodeArgv({ nodeId: "n1", port: 7001, metricsPort: 9101, dataDir: "/tmp/n1", clusterPorts: { n1: 7001 } })).not.toContain("--join");
  });
});
