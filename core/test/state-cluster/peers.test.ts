import { describe, expect, it } from "vitest";
import { ClusterModule } from "../../src/state/cluster/module";
import { CLUSTER_IMAGE_VERSION } from "../../src/state/cluster/image";
import { peerAddressProblem, PEER_ADDRESS_LENGTH_MAX } from "../../src/state/cluster/peer-address";
import { Harness } from "./harness";

const message = (command: unknown): string | null => {
  const r = new ClusterModule().validate(command);
  return r.ok ? null : r.error.message;
};

describe("set-peer-address validation", () => {
  it("accepts ws:// and wss:// URLs with a host and a port, for a DNS-label node id", () => {
    for (const address of ["ws://127.0.0.1:7001", "wss://node-4.example.com:443", "ws://[::1]:7004", "ws://n4:1"]) {
      expect(message({ type: "set-peer-address", nodeId: "n4", address }), address).toBeNull();
    }
  });

  it("names the field and the rule for each bad id or address", () => {
    expect(message({ type: "set-peer-address", nodeId: "N_4", address: "http://x:1" })).toBe(
      "cluster command rejected: command.nodeId must be a DNS label (lower-case letters, digits, inner '-'), got \"N_4\"; " +
        'command.address must look like ws://host:port or wss://host:port (no path, query or credentials), got "http://x:1"',
    );
    expect(message({ type: "set-peer-address", nodeId: "n4", address: "ws://h:0" })).toBe(
      'cluster command rejected: command.address has port 0; ports are 1 to 65535, got "ws://h:0"',
    );
    expect(message({ type: "set-peer-address", nodeId: "n4", address: `ws://${"a".repeat(PEER_ADDRESS_LENGTH_MAX)}:1` })).toMatch(
      /command\.address must be a non-empty string of at most 256 characters/,
    );
    expect(message({ type: "set-peer-address", nodeId: "n4" })).toBe("cluster command rejected: command.address must be a non-empty string of at most 256 characters, got nothing");
    expect(message({ type: "set-peer-address", nodeId: "n4", address: "ws://h:1", extra: 1 })).toBe("cluster command rejected: command.extra is not a known field");
  });

  it("rejects paths, queries, credentials, missing ports and out-of-range ports", () => {
    for (const address of ["ws://h:1/", "ws://h:1/raft", "ws://h:1?x=1", "ws://u:p@h:1", "ws://h", "ws://h:99999", "ws://h:65536", "ws://-h:1", "ws:// h:1"]) {
      expect(peerAddressProblem(address), address).not.toBeNull();
    }
    expect(peerAddressProblem("ws://h:65535")).toBeNull();
  });
});

describe("set-peer-address apply and list-peers", () => {
  it("records, ignores a repeat, replaces a changed address, and lists sorted by node id", () => {
    const h = new Harness();
    expect(h.must({ type: "set-peer-address", nodeId: "n4", address: "ws://127.0.0.1:7004" })).toBe("node n4 is reached at ws://127.0.0.1:7004");
    h.must({ type: "set-peer-address", nodeId: "n10", address: "ws://127.0.0.1:7010" });
    const repeat = h.run({ type: "set-peer-address", nodeId: "n4", address: "ws://127.0.0.1:7004" });
    expect(repeat.ok && repeat.value.effect).toBe("ignored");
    expect(h.must({ type: "set-peer-address", nodeId: "n4", address: "ws://10.0.0.4:7004" })).toBe("node n4 moved from ws://127.0.0.1:7004 to ws://10.0.0.4:7004");
    expect(h.module.query({ type: "list-peers" })).toEqual({
      ok: true,
      value: [
        { nodeId: "n10", address: "ws://127.0.0.1:7010" },
        { nodeId: "n4", address: "ws://10.0.0.4:7004" },
      ],
    });
    expect(h.module.peerAddress("n4")).toBe("ws://10.0.0.4:7004");
    expect(h.module.peerAddress("n9")).toBeUndefined();
  });
});

describe("peers in snapshots", () => {
  function withPeers(order: readonly string[]): Harness {
    const h = new Harness();
    h.host("h1");
    for (const id of order) h.must({ type: "set-peer-address", nodeId: id, address: `ws://${id}.local:7000` });
    return h;
  }

  it("round-trips, and the image does not depend on the order addresses were set in", () => {
    const a = withPeers(["n3", "n1", "n2"]);
    const b = withPeers(["n1", "n2", "n3"]);
    expect(JSON.stringify(a.module.snapshot())).toBe(JSON.stringify(b.module.snapshot()));
    expect(a.module.snapshot().peers.map((p) => p.nodeId)).toEqual(["n1", "n2", "n3"]);
    const restored = new ClusterModule();
    restored.restore(JSON.parse(JSON.stringify(a.module.snapshot())));
    expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(a.module.snapshot()));
    expect(restored.peerAddress("n2")).toBe("ws://n2.local:7000");
  });

  it("restores a version 1 image (before peers existed) with no peers", () => {
    const image = { ...withPeers([]).module.snapshot(), version: 1 } as Record<string, unknown>;
    delete image["peers"];
    const restored = new ClusterModule();
    restored.restore(image);
    expect(restored.listPeers()).toEqual([]);
    expect(restored.snapshot().version).toBe(CLUSTER_IMAGE_VERSION);
    expect(restored.listHosts().map((h) => h.id)).toEqual(["h1"]);
  });

  it("refuses a malformed peers list and keeps the old state", () => {
    const h = withPeers(["n1"]);
    const good = h.module.snapshot();
    const cases: [unknown, RegExp][] = [
      [undefined, /peers must be a list/],
      [[{ nodeId: "N1", address: "ws://h:1" }], /peer 0 has a malformed node id/],
      [[{ nodeId: "n1", address: "http://h:1" }], /peer n1: address must look like ws:\/\/host:port/],
      [[{ nodeId: "n1", address: "ws://h:1" }, { nodeId: "n1", address: "ws://h:2" }], /peer n1 appears twice/],
    ];
    for (const [peers, why] of cases) {
      const target = withPeers(["n7"]);
      expect(() => target.module.restore({ ...good, peers })).toThrow(why);
      expect(target.module.peerAddress("n7")).toBe("ws://n7.local:7000");
    }
  });
});
