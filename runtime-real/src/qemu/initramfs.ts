import { readFileSync } from "node:fs";

/**
 * A tiny initramfs writer: the "newc" cpio format the Linux kernel unpacks as
 * its first root filesystem. Enough to boot busybox for probes and tests
 * without root privileges or a `cpio` binary (device nodes are just headers).
 */
export type InitramfsEntry =
  | { readonly kind: "dir"; readonly path: string }
  | { readonly kind: "file"; readonly path: string; readonly data: Uint8Array; readonly executable: boolean }
  | { readonly kind: "symlink"; readonly path: string; readonly target: string }
  | { readonly kind: "char-device"; readonly path: string; readonly major: number; readonly minor: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const TRAILER = "TRAILER!!!";

export function buildInitramfs(entries: readonly InitramfsEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const push = (bytes: Uint8Array) => {
    parts.push(bytes);
    offset += bytes.length;
    const pad = (4 - (offset % 4)) % 4;
    if (pad > 0) {
      parts.push(new Uint8Array(pad));
      offset += pad;
    }
  };
  let inode = 1;
  for (const entry of entries) {
    const { mode, data, rdevMajor, rdevMinor } = describeEntry(entry);
    const name = entry.path.replace(/^\/+/, "");
    if (name.length === 0) throw new RangeError(`initramfs entry path ${JSON.stringify(entry.path)} is empty`);
    push(header({ inode: inode++, mode, nlink: entry.kind === "dir" ? 2 : 1, fileSize: data.length, rdevMajor, rdevMinor, name }));
    if (data.length > 0) push(data);
  }
  push(header({ inode: 0, mode: 0, nlink: 1, fileSize: 0, rdevMajor: 0, rdevMinor: 0, name: TRAILER }));
  const out = new Uint8Array(offset);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** /init runs `initScript` under busybox sh; /dev/console exists so init has a stdout. */
export function busyboxInitramfs(options: { busyboxPath: string; initScript: string }): Uint8Array {
  const script = options.initScript.startsWith("#!") ? options.initScript : `#!/bin/sh\n${options.initScript}`;
  return buildInitramfs([
    { kind: "dir", path: "bin" },
    { kind: "dir", path: "dev" },
    { kind: "dir", path: "proc" },
    { kind: "dir", path: "sys" },
    { kind: "char-device", path: "dev/console", major: 5, minor: 1 },
    { kind: "file", path: "bin/busybox", data: readFileSync(options.busyboxPath), executable: true },
    { kind: "symlink", path: "bin/sh", target: "busybox" },
    { kind: "file", path: "init", data: new TextEncoder().encode(script), executable: true },
  ]);
}

function describeEntry(entry: InitramfsEntry): { mode: number; data: Uint8Array; rdevMajor: number; rdevMinor: number } {
  switch (entry.kind) {
    case "dir":
      return { mode: S_IFDIR | 0o755, data: new Uint8Array(0), rdevMajor: 0, rdevMinor: 0 };
    case "file":
      return { mode: S_IFREG | (entry.executable ? 0o755 : 0o644), data: entry.data, rdevMajor: 0, rdevMinor: 0 };
    case "symlink":
      return { mode: S_IFLNK | 0o777, data: new TextEncoder().encode(entry.target), rdevMajor: 0, rdevMinor: 0 };
    case "char-device":
      return { mode: S_IFCHR | 0o600, data: new Uint8Array(0), rdevMajor: entry.major, rdevMinor: entry.minor };
  }
}

function header(fields: { inode: number; mode: number; nlink: number; fileSize: number; rdevMajor: number; rdevMinor: number; name: string }): Uint8Array {
  const name = new TextEncoder().encode(fields.name);
  const hex = (value: number) => value.toString(16).padStart(8, "0");
  // Field order of the newc header: ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check.
  const text = `070701${[
    fields.inode, fields.mode, 0, 0, fields.nlink, 0, fields.fileSize, 0, 0, fields.rdevMajor, fields.rdevMinor, name.length + 1, 0,
  ].map(hex).join("")}`;
  const bytes = new Uint8Array(text.length + name.length + 1);
  bytes.set(new TextEncoder().encode(text), 0);
  bytes.set(name, text.length);
  return bytes;
}
