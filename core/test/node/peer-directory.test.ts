import { describe, expect, it } from "vitest";
import { ok } from "../../src/errors";
import { PeerDirectory, type PeerDirectoryHost } from "../../src/node/peer-directory";
import type { Entry } from "../../src/raft/log-types";
import { ClusterModule } from "../../src/state/cluster/module";
import { encodeCommandEnvelope } from "../../src/state/envelope";
import { StateMachine } from "../../src/state/state-machine";

/** A node as the directory sees it: a real state machine, a recording transport, a recording proposer. */
class FakeNode implements PeerDirectoryHost {
  readonly learned: [string, string][] = [];
  readonly proposed: unknown[] = [];
  readonly warnings: string[] = [];
  stateMachine = new StateMachine([new ClusterModule()]);
  private index = 0;
  readonly runtime: PeerDirectoryHost["runtime"];

  constructor(readonly nodeId: string, withLearnPeer = true) {
    this.runtime = {
      net: {
        selfId: nodeId,
        send: () => {},
        onReceive: () => {},
        ...(withLearnPeer ? { learnPeer: (id: string, address: string) => void this.learned.push([id, address]) } : {}),
      },
      tracer: { event: () => {}, warn: (kind) => void this.warnings.push(kind) },
    };
  }

  proposeInternal(_module: string, command: unknown) {
    this.proposed.push(command);
    return ok(undefined);
  }

  /** Apply one cluster command as a committed entry and tell the directory, as the node does. */
  commit(directory: PeerDirectory, command: unknown): void {
    this.index++;
    const entry: Entry = { index: this.index, term: 1, kind: "normal", data: encodeCommandEnvelope({ module: "cluster", proposedAtMs: 0, command }) };
    const outcome = this.stateMachine.apply(entry);
    directory.applied(outcome, entry);
  }
}

const setPeer = (nodeId: string, address: string) => ({ type: "set-peer-address", nodeId, address });

describe("PeerDirectory", () => {
  it("hands every applied peer address to the transport once, the node's own never, a changed one again", () => {
    const node = new FakeNode("n1");
    const directory = new PeerDirectory(node, { advertiseAddress: null, publishIntervalTicks: 5 });
    directory.start();
    node.commit(directory, setPeer("n4", "ws://127.0.0.1:7004"));
    node.commit(directory, setPeer("n1", "ws://127.0.0.1:7001"));
    node.commit(directory, setPeer("n4", "ws://127.0.0.1:7004"));
    node.commit(directory, { type: "cordon", hostId: "h9" }); // fails (unknown host): not a peer change
    node.commit(directory, setPeer("n4", "ws://10.0.0.4:7004"));
    expect(node.learned).toEqual([
      ["n4", "ws://127.0.0.1:7004"],
      ["n4", "ws://10.0.0.4:7004"],
    ]);
  });

  it("learns every known address at start and after a snapshot replaced the state", () => {
    const source = new FakeNode("n2");
    const sourceDirectory = new PeerDirectory(source, { advertiseAddress: null, publishIntervalTicks: 5 });
    for (const id of ["n3", "n1", "n5"]) source.commit(sourceDirectory, setPeer(id, `ws://${id}.local:7000`));

    const restarted = new FakeNode("n5");
    restarted.stateMachine.restore(source.stateMachine.snapshot());
    new PeerDirectory(restarted, { advertiseAddress: null, publishIntervalTicks: 5 }).start();
    expect(restarted.learned).toEqual([
      ["n1", "ws://n1.local:7000"],
      ["n3", "ws://n3.local:7000"],
    ]);

    const joiner = new FakeNode("n9");
    const joinerDirectory = new PeerDirectory(joiner, { advertiseAddress: null, publishIntervalTicks: 5 });
    joinerDirectory.start();
    expect(joiner.learned).toEqual([]);
    joiner.stateMachine.restore(source.stateMachine.snapshot());
    joinerDirectory.stateReplaced();
    expect(joiner.learned.map(([id]) => id)).toEqual(["n1", "n3", "n5"]);
  });

  it("publishes its own address every interval until the directory holds it, then stops", () => {
    const node = new FakeNode("n4");
    const directory = new PeerDirectory(node, { advertiseAddress: "ws://127.0.0.1:7004", publishIntervalTicks: 3 });
    directory.start();
    for (let tick = 0; tick < 7; tick++) directory.tick();
    expect(node.proposed).toEqual([setPeer("n4", "ws://127.0.0.1:7004"), setPeer("n4", "ws://127.0.0.1:7004"), setPeer("n4", "ws://127.0.0.1:7004")]);
    node.commit(directory, setPeer("n4", "ws://127.0.0.1:7004"));
    for (let tick = 0; tick < 10; tick++) directory.tick();
    expect(node.proposed.length).toBe(3);
    // Someone recorded another address (an operator's typo, an old incarnation): the node corrects it.
    node.commit(directory, setPeer("n4", "ws://10.9.9.9:1"));
    for (let tick = 0; tick < 3; tick++) directory.tick();
    expect(node.proposed.length).toBe(4);
  });

  it("reports an advertise address the cluster would refuse once and never proposes it", () => {
    const node = new FakeNode("n4");
    const directory = new PeerDirectory(node, { advertiseAddress: "http://nope", publishIntervalTicks: 1 });
    for (let tick = 0; tick < 5; tick++) directory.tick();
    expect(node.proposed).toEqual([]);
    expect(node.warnings).toEqual(["peer-address-not-published"]);
  });

  it("works with a transport that has no learnPeer (the simulator routes by id)", () => {
    const node = new FakeNode("n1", false);
    const directory = new PeerDirectory(node, { advertiseAddress: null, publishIntervalTicks: 5 });
    directory.start();
    expect(() => node.commit(directory, setPeer("n4", "ws://127.0.0.1:7004"))).not.toThrow();
    expect(node.learned).toEqual([]);
  });
});
