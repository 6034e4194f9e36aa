import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkRegisterHistory, type HistoryEvent } from "@blixard/runtime-sim";
import { repoRoot } from "./cli-helpers";
import { ClientHost } from "./netns/client-host";
import { LabNode, labNodeUrl, waitForLabLeader } from "./netns/lab-node";
import { NetnsLab, netnsUnavailable } from "./netns/netns-lab";

/*
 * A network partition across real processes. Five `blixard node` processes
 * and two client hosts each run in a network namespace of their own, joined
 * by a bridge in a hub namespace (netns-lab.ts; 10.231.0.0/24 exists only
 * there). Clients on both hosts read, write and cas a few keys through every
 * node. Then the leader, one follower and client host c1 are cut off from
 * the other three nodes and client host c2; later the links are healed.
 * The merged client history (one monotonic clock for every process on the
 * machine) must be linearizable, final reads included, so nothing that was
 * acknowledged is lost; the minority must acknowledge nothing while cut off;
 * the majority must elect a leader and keep serving.
 */
const ids = ["n1", "n2", "n3", "n4", "n5"];
const KEYS = ["k0", "k1", "k2", "k3", "k4", "k5"];
const CLIENTS_PER_HOST = 3;
const LEADER_WAIT_MS = 30_000;
const BEFORE_CUT_MS = 3_000;
const PARTITION_MS = 8_000;
const AFTER_HEAL_MS = 4_000;
const OP_TIMEOUT_MS = 2_000;
const CLIENT_FINISH_MS = 20_000;

const unavailable = netnsUnavailable();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowNs = () => Number(process.hrtime.bigint());

let lab: NetnsLab | null = null;
let nodes: LabNode[] = [];
let hosts: ClientHost[] = [];
let dataRoot = "";

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.kill()));
  await Promise.all(nodes.map((n) => n.stop(3_000)));
  lab?.destroy();
  if (dataRoot !== "") rmSync(dataRoot, { recursive: true, force: true });
  if (lab !== null) expect(lab.leftovers()).toEqual([]);
});

function okWithin(history: readonly HistoryEvent[], processes: (p: number) => boolean, fromNs: number, toNs: number, fs: ReadonlyArray<HistoryEvent["f"]>): number {
  const invokedAt = new Map<number, number>();
  let count = 0;
  for (const event of history) {
    if (!processes(event.process) || !fs.includes(event.f)) continue;
    if (event.type === "invoke") invokedAt.set(event.process, event.time);
    else if (event.type === "ok" && (invokedAt.get(event.process) ?? 0) >= fromNs && event.time < toNs) count++;
  }
  return count;
}

describe.skipIf(unavailable !== null)(`a partition across real processes in network namespaces${unavailable === null ? "" : ` (skipped: ${unavailable})`}`, () => {
  it("the leader cut off with a minority acknowledges nothing, the majority elects a leader and serves, and the whole history is linearizable", async () => {
    const startNs = nowNs();
    const since = () => `${((nowNs() - startNs) / 1e9).toFixed(1)} s`;
    const steps: string[] = [];
    dataRoot = mkdtempSync(join(tmpdir(), "blixard-partition-"));
    lab = NetnsLab.create([...ids, "c1", "c2"]);
    const net = lab;
    nodes = ids.map((id) => LabNode.spawn(repoRoot, net, id, ids, dataRoot));
    const first = await waitForLabLeader(nodes, LEADER_WAIT_MS);
    if (first === null) throw new Error(`no leader:\n${nodes.map((n) => n.describe()).join("\n")}`);
    steps.push(`leader ${since()}`);

    const urls = ids.map((id) => labNodeUrl(net, id));
    const hostArgs = (processBase: number, name: string) => ({ urls, clients: CLIENTS_PER_HOST, processBase, keys: KEYS, opTimeoutMs: OP_TIMEOUT_MS, maxDurationMs: 90_000, historyPath: join(dataRoot, `${name}.history.jsonl`) });
    hosts = [ClientHost.start(repoRoot, net.execPrefix("c1"), hostArgs(1_000, "c1")), ClientHost.start(repoRoot, net.execPrefix("c2"), hostArgs(2_000, "c2"))];
    await Promise.all(hosts.map((h) => h.ready(30_000)));
    steps.push(`clients ready ${since()}`);
    await sleep(BEFORE_CUT_MS);

    const before = await waitForLabLeader(nodes, LEADER_WAIT_MS);
    if (before === null) throw new Error(`no leader before the cut:\n${nodes.map((n) => n.describe()).join("\n")}`);
    const minority = [before.leaderId, ids.find((id) => id !== before.leaderId) ?? ""];
    const majority = nodes.filter((n) => !minority.includes(n.id));
    net.partition([...minority, "c1"]);
    const cutNs = nowNs();
    const elected = await waitForLabLeader(majority, PARTITION_MS + 10_000);
    const electedMs = (nowNs() - cutNs) / 1e6;
    if (elected === null) throw new Error(`the majority elected no leader:\n${majority.map((n) => n.describe()).join("\n")}`);
    expect(minority).not.toContain(elected.leaderId);
    expect(elected.term).toBeGreaterThan(before.term);
    await sleep(Math.max(0, PARTITION_MS - electedMs));
    const healNs = nowNs();
    net.heal();
    await sleep(AFTER_HEAL_MS);
    const healed = await waitForLabLeader(nodes, LEADER_WAIT_MS);
    if (healed === null) throw new Error(`no common leader after the heal:\n${nodes.map((n) => n.describe()).join("\n")}`);

    steps.push(`healed ${since()}`);
    const histories = await Promise.all(hosts.map((h) => h.finish(CLIENT_FINISH_MS)));
    const finalHost = ClientHost.start(repoRoot, net.execPrefix("c1"), { ...hostArgs(9_000, "final"), finalReads: true });
    hosts.push(finalHost);
    const finalReads = await finalHost.finish(CLIENT_FINISH_MS + 30_000);
    const history = [...histories.flat(), ...finalReads].sort((a, b) => a.time - b.time);

    const fromC1 = (p: number) => p >= 1_000 && p < 2_000;
    const fromC2 = (p: number) => p >= 2_000 && p < 3_000;
    // Cut off with two of five, the old leader can neither commit a write nor confirm a read.
    expect(okWithin(history, fromC1, cutNs, healNs, ["read", "write", "cas"])).toBe(0);
    // The majority side kept going once it had its leader.
    expect(okWithin(history, fromC2, cutNs, healNs, ["write", "cas"])).toBeGreaterThan(0);
    expect(finalReads.filter((e) => e.type === "ok").length).toBe(KEYS.length);
    const okWrites = history.filter((e) => e.type === "ok" && e.f !== "read").length;
    expect(okWrites).toBeGreaterThan(20);

    steps.push(`final reads ${since()}`);
    const checked = checkRegisterHistory(history);
    if (!checked.ok) throw new Error(checked.error.message);
    const bad = checked.value.keys.filter((k) => k.verdict !== "linearizable");
    expect(bad.map((k) => `${k.key}: ${k.verdict}${k.violation === undefined ? "" : `, blocked at ${JSON.stringify(k.violation.blocked)}`}`)).toEqual([]);
    expect(checked.value.verdict).toBe("linearizable");
    process.stdout.write(`partition: ${history.length / 2 | 0} ops, ${okWrites} acknowledged writes; leader ${before.leaderId} (term ${before.term}) cut off with ${minority[1]}; ${elected.leaderId} elected in term ${elected.term} ${electedMs.toFixed(0)} ms after the cut; after the heal ${healed.leaderId} leads in term ${healed.term}; ${steps.join(", ")}, checked ${since()}\n`);
  }, 170_000);
});
