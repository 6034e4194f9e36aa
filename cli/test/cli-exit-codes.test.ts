import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { SqliteDisk } from "@blixard/runtime-real";

const repoRoot = join(import.meta.dirname, "..", "..");

async function blixard(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const env = { ...process.env, BLIXARD_CLUSTER: "" };
    // The installed CLI (the bundle, through its launcher), as an operator runs it; the test set-up built it.
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["cli/bin/blixard.js", ...argv], { cwd: repoRoot, env, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("the blixard CLI process", () => {
  it("exits 2 with a specific message for bad arguments, 1 when the cluster cannot be reached or the node's storage is corrupt", async () => {
    const dir = mkdtempSync(join(tmpdir(), "blixard-cli-exit-"));
    const badSpec = join(dir, "spec.json");
    writeFileSync(badSpec, JSON.stringify({ name: "ok-name", vcpus: 999, memoryMib: 128, colour: "blue" }));
    // A data dir whose Raft hard state is garbage: the node must refuse to serve it.
    mkdirSync(join(dir, "corrupt"));
    const corrupt = SqliteDisk.open({ nodeId: "n1", path: join(dir, "corrupt", "disk.sqlite") });
    corrupt.overwrite("raft-hardstate", new Uint8Array(64).fill(0xa5));
    corrupt.sync();
    corrupt.close();
    const [badPeer, specErrors, noCluster, unreachable, unknownFlag, corruptStart] = await Promise.all([
      blixard("node", "--id", "n1", "--listen", "127.0.0.1:7001", "--peer", "n2@127.0.0.1:7002", "--data-dir", dir),
      blixard("vm", "create", "--spec", badSpec, "--cluster", "ws://127.0.0.1:9"),
      blixard("kv", "get", "k"),
      blixard("kv", "get", "k", "--cluster", "ws://127.0.0.1:9", "--timeout-ms", "1000"),
      blixard("kv", "get", "k", "--clutser", "ws://127.0.0.1:9"),
      blixard("node", "--id", "n1", "--listen", "127.0.0.1:0", "--data-dir", join(dir, "corrupt"), "--trace-file", join(dir, "trace.jsonl")),
    ]);
    expect(badPeer.code).toBe(2);
    expect(badPeer.stderr).toContain('--peer must look like n2=ws://host:port, got "n2@127.0.0.1:7002"');
    // The spec is checked client-side before any connection: every problem with its path.
    expect(specErrors.code).toBe(2);
    expect(specErrors.stderr).toContain("error invalid-vm-spec: VM spec has 2 problems:");
    expect(specErrors.stderr).toMatch(/\n {2}vcpus: vcpus must be an integer between 1 and \d+, got 999/);
    expect(specErrors.stderr).toMatch(/\n {2}colour: /);
    expect(noCluster.code).toBe(2);
    expect(noCluster.stderr).toContain("--cluster is required");
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("error cluster-unreachable: no listed node could be reached");
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("Unknown argument: clutser");
    expect(corruptStart.code).toBe(1);
    // Not on a terminal, the node logs JSON lines: the failure is one, with its hint.
    const failure = corruptStart.stderr.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>).find((r) => r["level"] === "error");
    expect(failure?.["msg"]).toMatch(/^blixard node n1 refused to start: storage-corrupt: /);
    expect(failure?.["hint"]).toEqual(expect.any(String));
  });
});
