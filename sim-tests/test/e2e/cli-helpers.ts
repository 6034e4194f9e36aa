import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { BlixardClient } from "../../../cli/src/client/blixard-client";
import { blixardCommand, type LocalNodeProcess } from "../../../cli/src/node/local-node-process";

/** Shared by the real-process e2e tests: run the CLI, and talk to chosen nodes as a client. */
export const repoRoot = join(import.meta.dirname, "..", "..", "..");

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `blixard ...` (the built CLI) as a child process; never throws, the exit code says how it went. */
export async function blixard(timeoutMs: number, ...argv: string[]): Promise<CliRun> {
  const [command = process.execPath, ...prefix] = blixardCommand("built");
  try {
    const { stdout, stderr } = await promisify(execFile)(command, [...prefix, ...argv], { cwd: repoRoot, timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** Connect to exactly these nodes (so a test controls who answers), run `body`, always close. */
export async function withClient<T>(only: readonly LocalNodeProcess[], body: (client: BlixardClient) => Promise<T>): Promise<T> {
  const connected = await BlixardClient.connect({ endpoints: only.map((n) => ({ nodeId: null, url: n.url })), clusterId: "blixard", timeoutMs: 8_000 });
  if (!connected.ok) throw new Error(connected.error.message);
  try {
    return await body(connected.value);
  } finally {
    await connected.value.close();
  }
}
