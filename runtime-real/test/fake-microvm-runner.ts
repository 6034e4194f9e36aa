import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A runner directory laid out as microvm.nix's lib/runner.nix builds one
 * (bin/ links to scripts elsewhere, as to the store; share/microvm/ with
 * tap-interfaces, tap-flags and virtiofs/<tag>/{socket,source}), with
 * scripts that behave as microvm.nix's do:
 *
 * - microvm-run: `qemu` boots the real test guest the way lib/runners/qemu.nix
 *   starts QEMU (-M microvm, -no-reboot, a stdio chardev as the serial
 *   console, i8042 for Ctrl-Alt-Del, the QMP control socket <name>.sock in
 *   the working directory, a tap netdev per interface), under TCG with the
 *   timing parameters; `script` runs a stand-in instead.
 * - microvm-shutdown: as qemu.nix's, QMP `qmp_capabilities` then
 *   `input-send-event` Ctrl-Alt-Del on the control socket, then waits until
 *   QEMU closes it (this one in Node, where microvm.nix pipes into socat).
 * - tap-up/tap-down: as interfaces.nix's, `ip tuntap add … mode tap` and
 *   `ip link delete`, deleting a stale tap first.
 * - virtiofsd-run: a stand-in daemon that listens on each share's socket
 *   until SIGTERM (no virtiofsd here; the guest does not mount the share).
 */
export interface FakeRunnerOptions {
  readonly dir: string;
  readonly name: string;
  readonly run:
    | { readonly kind: "qemu"; readonly qemu: string; readonly kernel: string; readonly initrd: string }
    | { readonly kind: "qmp-stand-in"; readonly preamble?: string }
    | { readonly kind: "script"; readonly body: string };
  readonly shutdown?: boolean;
  readonly taps?: readonly { readonly id: string; readonly mac: string }[];
  readonly virtiofsTags?: readonly string[];
}

/** Kernel line of the test guest under TCG: without the timing parameters a stock kernel stalls calibrating its TSC. */
export const TCG_GUEST_APPEND = "earlyprintk=ttyS0 console=ttyS0 reboot=t panic=-1 rdinit=/init tsc_early_khz=2000000 lpj=8000000 no_timer_check";

export function makeFakeRunner(options: FakeRunnerOptions): string {
  const store = join(options.dir, "store");
  const runner = join(options.dir, `runner-${options.name}`);
  mkdirSync(store, { recursive: true });
  mkdirSync(join(runner, "bin"), { recursive: true });
  mkdirSync(join(runner, "share", "microvm"), { recursive: true });
  const script = (binName: string, text: string) => {
    const path = join(store, `microvm-${options.name}-${binName}`);
    writeFileSync(path, text);
    chmodSync(path, 0o755);
    symlinkSync(path, join(runner, "bin", binName));
  };
  const taps = options.taps ?? [];
  const tags = options.virtiofsTags ?? [];
  script("microvm-run", microvmRun(options, taps));
  if (options.shutdown !== false) script("microvm-shutdown", qmpShutdown(options.name));
  if (taps.length > 0) {
    script("tap-up", ["#!/bin/bash", "set -eou pipefail", ...taps.flatMap(({ id }) => [
      `if [ -e /sys/class/net/${id} ]; then ip link delete '${id}'; fi`,
      `ip tuntap add name '${id}' mode tap user "$(id -un)" vnet_hdr`,
      `ip link set '${id}' up`,
    ]), ""].join("\n"));
    script("tap-down", ["#!/bin/bash", "set -ou pipefail", ...taps.map(({ id }) => `ip link delete '${id}'`), ""].join("\n"));
    writeFileSync(join(runner, "share", "microvm", "tap-interfaces"), taps.map(({ id }) => `${id}\n`).join(""));
  }
  writeFileSync(join(runner, "share", "microvm", "tap-flags"), "vnet_hdr\n");
  if (tags.length > 0) {
    for (const tag of tags) {
      mkdirSync(join(runner, "share", "microvm", "virtiofs", tag), { recursive: true });
      writeFileSync(join(runner, "share", "microvm", "virtiofs", tag, "socket"), `${options.name}-virtiofs-${tag}.sock\n`);
      writeFileSync(join(runner, "share", "microvm", "virtiofs", tag, "source"), `/srv/${tag}\n`);
    }
    script("virtiofsd-run", fakeVirtiofsd(tags.map((tag) => `${options.name}-virtiofs-${tag}.sock`)));
  }
  return runner;
}

function microvmRun(options: FakeRunnerOptions, taps: readonly { id: string; mac: string }[]): string {
  // The runner's own precondition: virtiofsd-run must have made the shares' sockets before the hypervisor starts.
  const sockets = (options.virtiofsTags ?? []).map((tag) => `[ -S '${options.name}-virtiofs-${tag}.sock' ] || { echo 'virtiofs socket missing' >&2; exit 3; }`);
  if (options.run.kind === "script") return ["#!/bin/bash", "set -eou pipefail", ...sockets, options.run.body, ""].join("\n");
  if (options.run.kind === "qmp-stand-in") {
    return ["#!/bin/bash", "set -eou pipefail", ...sockets, options.run.preamble ?? "", `exec ${process.execPath} -e ${shellQuote(qmpStandIn(options.name))}`, ""].join("\n");
  }
  const { qemu, kernel, initrd } = options.run;
  const nics = taps.flatMap(({ id, mac }) => [`-netdev tap,id=${id},ifname=${id},script=no,downscript=no`, `-device virtio-net-device,netdev=${id},mac=${mac}`]);
  return [
    "#!/bin/bash",
    "set -eou pipefail",
    ...sockets,
    // qemu.nix's -M microvm options with accel tcg (this host's KVM cannot run a guest).
    `exec -a "microvm@${options.name}" ${qemu} -name ${options.name} -M microvm,accel=tcg,acpi=on,mem-merge=on,pcie=off,pic=off,pit=off,usb=off \\`,
    `  -m 256 -smp 1 -nodefaults -no-user-config -no-reboot -kernel ${kernel} -initrd ${initrd} \\`,
    "  -chardev stdio,id=stdio,signal=off -serial chardev:stdio -device i8042 -nographic \\",
    `  -append '${TCG_GUEST_APPEND}' -qmp unix:${options.name}.sock,server,nowait -pidfile ${options.name}.pid ${nics.join(" ")}`,
    "",
  ].join("\n");
}

/** qemu.nix's shutdownCommand, in Node: QMP handshake, Ctrl-Alt-Del, then hold the socket until QEMU closes it. */
function qmpShutdown(name: string): string {
  return `#!${process.execPath}
const net = require("node:net");
const fs = require("node:fs");
fs.writeFileSync("shutdown-ran", String(process.pid));
const socket = net.createConnection(${JSON.stringify(`${name}.sock`)});
const key = (data) => ({ type: "key", data: { down: true, key: { type: "qcode", data } } });
socket.on("connect", () => {
  socket.write(JSON.stringify({ execute: "qmp_capabilities" }) + "\\n");
  socket.write(JSON.stringify({ execute: "input-send-event", arguments: { events: [key("ctrl"), key("alt"), key("delete")] } }) + "\\n");
});
socket.on("data", (data) => process.stdout.write(data));
socket.on("error", (error) => { console.error(error.message); process.exit(1); });
socket.on("close", () => process.exit(0));
`;
}

/** A QEMU stand-in: QMP on <name>.sock; Ctrl-Alt-Del resets the "guest", and with -no-reboot that ends the process with 0. */
function qmpStandIn(name: string): string {
  return `const net = require("node:net");
const fs = require("node:fs");
fs.writeFileSync("${name}.pid", String(process.pid));
fs.rmSync("${name}.sock", { force: true });
net.createServer((c) => {
  c.write(JSON.stringify({ QMP: { version: {}, capabilities: [] } }) + "\\n");
  c.on("data", (data) => {
    for (const line of String(data).split("\\n").filter(Boolean)) {
      const command = JSON.parse(line);
      c.write(JSON.stringify({ return: {} }) + "\\n");
      if (command.execute === "input-send-event") { console.log("reboot: Restarting system"); fs.rmSync("${name}.sock", { force: true }); process.exit(0); }
    }
  });
}).listen("${name}.sock", () => console.log("BLIXARD_READY"));
setInterval(() => {}, 1000);
`;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

function fakeVirtiofsd(sockets: readonly string[]): string {
  return `#!${process.execPath}
const net = require("node:net");
const fs = require("node:fs");
fs.writeFileSync("virtiofsd.pid", String(process.pid));
for (const path of ${JSON.stringify(sockets)}) {
  fs.rmSync(path, { force: true });
  net.createServer(() => {}).listen(path);
}
process.on("SIGTERM", () => { for (const path of ${JSON.stringify(sockets)}) fs.rmSync(path, { force: true }); process.exit(0); });
`;
}
