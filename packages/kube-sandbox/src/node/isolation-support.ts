import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Whether Pods can be isolated here, and why not. */
export type IsolationSupport = { supported: true } | { supported: false; reason: string };

/** The tools Pod isolation runs (util-linux and iproute2). */
const TOOLS = ["ip", "unshare", "nsenter", "mount", "pivot_root", "chroot", "realpath", "hostname", "setpriv"];

/** Milliseconds the check may take. */
const CHECK_TIMEOUT_MS = 15_000;

/** What the check's shell prints, alone on its first line, before the tools it cannot find. */
const MISSING = "missing:";

/**
 * Whether this process can give Pods namespaces of their own: it is root, the tools are there, the kernel
 * knows overlayfs, and a probe that makes network, mount, PID and UTS namespaces, a bridge, a veth pair and
 * an overlay mount works. Every probe runs in throwaway namespaces, so the host is left as it was; one
 * process looks for the tools and then runs the probe. When it cannot, `reason` is one line saying why.
 */
export async function checkIsolationSupport(): Promise<IsolationSupport> {
  const uid = process.getuid?.();
  if (uid !== 0) return { supported: false, reason: `Pod isolation needs root; this process runs as uid ${uid}` };
  if (!/\toverlay$/m.test(readFileSync("/proc/filesystems", "utf8")))
    return { supported: false, reason: "Pod isolation needs overlayfs, which this kernel does not offer" };
  const scratch = mkdtempSync(join(tmpdir(), "kube-sandbox-probe-"));
  try {
    const { failed, stdout, stderr } = await runShell(CHECK, ["check", PROBE, scratch, ...TOOLS]);
    const [first, ...missing] = stdout.split("\n").filter(Boolean);
    if (first === MISSING) {
      return { supported: false, reason: `Pod isolation needs ${missing.join(", ")}, not found on PATH` };
    }
    if (failed) return { supported: false, reason: `Pod isolation probe failed: ${firstLine(stderr || failed)}` };
    return { supported: true };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Arguments: PROBE SCRATCH TOOLS... Prints `missing:` and then each tool that names no command on PATH, one
 * per line; with every tool there, runs PROBE (with SCRATCH) in throwaway network, mount, PID and UTS
 * namespaces.
 */
const CHECK = String.raw`
probe=$1 scratch=$2
shift 2
missing=
for tool; do command -v "$tool" >/dev/null 2>&1 || missing="$missing
$tool"; done
if [ -n "$missing" ]; then
  echo "${MISSING}$missing"
  exit 0
fi
exec unshare --net --mount --pid --uts --fork --propagation private sh -c "$probe" probe "$scratch"
`;

/** Run in throwaway namespaces: a bridge, a veth pair and an overlay mount, all gone with the namespaces. */
const PROBE = String.raw`
set -eu
ip -batch - <<BATCH
link add probe0 type bridge
link add probe1 type veth peer name probe2
link set probe1 master probe0
BATCH
mkdir "$1/upper" "$1/work" "$1/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$1/upper,workdir=$1/work" "$1/root"
hostname probe
`;

/** Runs `sh -c script args...`; `failed` says how it failed, if it did. */
function runShell(script: string, args: string[]): Promise<{ failed?: string; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("sh", ["-c", script, ...args], { timeout: CHECK_TIMEOUT_MS, encoding: "utf8" }, (err, stdout, stderr) =>
      resolve({ ...(err ? { failed: err.message } : {}), stdout, stderr }),
    );
  });
}

function firstLine(text: string): string {
  return text.split("\n").find((line) => line.trim() !== "") ?? text;
}
