import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { buildInitramfs } from "../src/qemu/initramfs";

const cpioAvailable = ["/usr/bin/cpio", "/bin/cpio"].some((path) => existsSync(path));

describe("buildInitramfs (newc cpio)", () => {
  const archive = buildInitramfs([
    { kind: "dir", path: "/bin" },
    { kind: "file", path: "bin/hello", data: new TextEncoder().encode("hello world\n"), executable: true },
    { kind: "symlink", path: "bin/sh", target: "hello" },
    { kind: "char-device", path: "dev/console", major: 5, minor: 1 },
  ]);

  it("writes 4-byte aligned newc records ending in the trailer", () => {
    const ascii = new TextDecoder("latin1").decode(archive);
    expect(archive.length % 4).toBe(0);
    expect(ascii.startsWith("070701")).toBe(true);
    expect(ascii).toContain("TRAILER!!!");
    expect(ascii.match(/070701/g)).toHaveLength(5);
  });

  it.skipIf(!cpioAvailable)("is read back by GNU cpio with names, types, modes and contents intact", () => {
    const listing = execFileSync("cpio", ["-itv", "--quiet"], { input: archive }).toString();
    const lines = listing.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^drwxr-xr-x .* bin$/);
    expect(lines[1]).toMatch(/^-rwxr-xr-x .* 12 .* bin\/hello$/);
    expect(lines[2]).toMatch(/^lrwxrwxrwx .* bin\/sh -> hello$/);
    expect(lines[3]).toMatch(/^crw------- .* 5, +1 .* dev\/console$/);
    const content = execFileSync("cpio", ["-i", "--quiet", "--to-stdout", "bin/hello"], { input: archive }).toString();
    expect(content).toBe("hello world\n");
  });

  it("refuses an empty path", () => {
    expect(() => buildInitramfs([{ kind: "dir", path: "/" }])).toThrow(/empty/);
  });
});
