import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTool } from "./run-tool.js";

/** Whether Pods can be isolated here, and why not. */
export type IsolationSupport = { supported: true } | { supported: false; reason: string };

/** The tools Pod isolation runs (util-linux and iproute2). */
const TOOLS = [
  "ip",
  "unshare",
  "nsenter",
  "mount",
  "pivot_root",
  "chroot",
  "realpath",
  "hostname",
  "sysctl",
  "setpriv",
];

/**
 * Whether this process can give Pods namespaces of their own: it is root, the tools are there, the kernel
 * knows overlayfs, and a probe that makes network, mount, PID and UTS namespaces, a bridge, a veth pair and
 * an overlay mount works. Every probe runs in throwaway namespaces, so the host is left as it was.
 * When it cannot, `reason` is one line saying why.
 */
export async function checkIsolationSupport(): Promise<IsolationSupport> {
  const uid = process.getuid?.();
  if (uid !== 0) return { supported: false, reason: `Pod isolation needs root; this process runs as uid ${uid}` };
  // One shell looks for every tool and prints the ones it cannot find.
  const missing = (await runTool("sh", ["-c", MISSING_TOOLS, "missing", ...TOOLS])).split("\n").filter(Boolean);
  if (missing.length > 0) {
    return { supported: false, reason: `Pod isolation needs ${missing.join(", ")}, not found on PATH` };
  }
  if (!/\toverlay$/m.test(readFileSync("/proc/filesystems", "utf8")))
    return { supported: false, reason: "Pod isolation needs overlayfs, which this kernel does not offer" };
  const scratch = mkdtempSync(join(tmpdir(), "kube-sandbox-probe-"));
  try {
    await runTool("unshare", [
      "--net",
      "--mount",
      "--pid",
      "--uts",
      "--fork",
      "--propagation",
      "private",
      "sh",
      "-c",
      PROBE,
      "probe",
      scratch,
    ]);
    return { supported: true };
  } catch (err) {
    return { supported: false, reason: `Pod isolation probe failed: ${firstLine((err as Error).message)}` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Prints each of its arguments that names no command on PATH, one per line. */
const MISSING_TOOLS = String.raw`for tool; do command -v "$tool" >/dev/null 2>&1 || echo "$tool"; done`;

/** Run in throwaway namespaces: a bridge, a veth pair and an overlay mount, all gone with the namespaces. */
const PROBE = String.raw`
set -eu
ip link add probe0 type bridge
ip link add probe1 type veth peer name probe2
ip link set probe1 master probe0
mkdir "$1/upper" "$1/work" "$1/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$1/upper,workdir=$1/work" "$1/root"
hostname probe
`;

function firstLine(text: string): string {
  return text.split("\n").find((line) => line.trim() !== "") ?? text;
}
