import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PodNetwork, type PodAttachment } from "../../src/node/pod-network.js";
import { PodProcess } from "../../src/node/pod-process.js";
import {
  firewallListings,
  firstLine,
  forwardingSysctls,
  killGroup,
  runInPod,
  runningAsRoot,
} from "./isolation-harness.js";

const PORT = 8080;
/** Answers every connection with the host name it sees, on 0.0.0.0:PORT; prints `listening` once bound. */
const SERVER = `require("node:net").createServer((s) => s.end(require("node:os").hostname() + "\\n"))
  .listen(${PORT}, "0.0.0.0", () => console.log("listening"));`;

interface TestPod {
  name: string;
  attachment: PodAttachment;
  process: PodProcess;
}

/** Connects from the host to `ip:port` and resolves with what the server sent before closing. */
function fetchGreeting(ip: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = connect({ host: ip, port, timeout: 5_000 });
    socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
    socket.once("end", () => resolve(text.trim()));
    socket.once("timeout", () => socket.destroy(new Error(`no answer from ${ip}:${port} within 5 s`)));
    socket.once("error", reject);
  });
}

function ip(args: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile("ip", args, (err, stdout, stderr) => resolve({ ok: !err, output: `${stdout}${stderr}`.trim() }));
  });
}

describe.runIf(runningAsRoot)("isolated Pods (needs root, skipped otherwise)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "pod-isolation-test-"));
  const sysctlsBefore = forwardingSysctls();
  const hostVolume = join(scratch, "shared");
  const readOnlyVolume = join(scratch, "config");
  const fileVolume = join(scratch, "token");
  const nodeHome = dirname(dirname(process.execPath));
  let network: PodNetwork;
  const pods: TestPod[] = [];
  const servers: ReturnType<PodProcess["spawn"]>[] = [];

  beforeAll(async () => {
    mkdirSync(hostVolume);
    mkdirSync(readOnlyVolume);
    writeFileSync(join(readOnlyVolume, "setting"), "on\n");
    writeFileSync(fileVolume, "secret\n");
    network = await PodNetwork.create({ lockDirectory: join(scratch, "locks") });
    for (const name of ["pod-a", "pod-b"]) {
      const attachment = await network.addPod();
      const process = await PodProcess.start({
        name,
        netns: attachment.netns,
        dataDir: join(scratch, name),
        volumes: [
          { hostPath: hostVolume, mountPath: "/var/lib/shared", readOnly: false },
          { hostPath: readOnlyVolume, mountPath: "/etc/config", readOnly: true },
          // A file under a link (Debian's /var/run -> /run): the mount point is made inside the Pod's root.
          { hostPath: fileVolume, mountPath: "/var/run/pod-isolation-test/token", readOnly: true },
          // The servers' node, wherever it is installed (only the host's root file system is in the overlay).
          { hostPath: nodeHome, mountPath: nodeHome, readOnly: true },
        ],
      });
      pods.push({ name, attachment, process });
    }
  });

  afterAll(async () => {
    for (const server of servers) killGroup(server);
    for (const pod of pods) await pod.process.stop();
    network?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("lets two Pods bind 0.0.0.0 on one port, each answering the host on its own address", async () => {
    for (const pod of pods) {
      const server = pod.process.spawn(process.execPath, ["-e", SERVER], { stdio: ["ignore", "pipe", "pipe"] });
      servers.push(server);
      expect(await firstLine(server, `the server in ${pod.name}`, 15_000)).toBe("listening");
    }
    for (const pod of pods) expect(await fetchGreeting(pod.attachment.ip, PORT)).toBe(pod.name);
    expect(new Set(pods.map((pod) => pod.attachment.ip)).size).toBe(2);
  });

  it("names each Pod's host after the Pod", async () => {
    for (const pod of pods) expect((await runInPod(pod.process, ["hostname"])).stdout.trim()).toBe(pod.name);
  });

  it("keeps a Pod's writes to /etc in the Pod", async () => {
    const [first, second] = pods;
    const file = `/etc/pod-isolation-${network.id}`;
    expect(await runInPod(first!.process, ["sh", "-c", `echo inside > ${file} && cat ${file}`])).toMatchObject({
      code: 0,
      stdout: "inside\n",
    });
    expect(existsSync(file)).toBe(false);
    expect((await runInPod(second!.process, ["test", "-e", file])).code).toBe(1);
  });

  it("shows a Pod only its own processes", async () => {
    const { stdout, code } = await runInPod(pods[1]!.process, ["ps", "-e", "-o", "pid=,args="]);
    expect(code).toBe(0);
    const processes = stdout
      .trim()
      .split("\n")
      .map((line) => {
        const [pid = "", program = ""] = line.trim().split(/\s+/);
        return [pid, basename(program)];
      });
    // PID 1 is the Pod's first process (a shell that waits on `sleep`); then this Pod's server and ps itself.
    expect(processes[0]).toEqual(["1", "sh"]);
    expect(processes.map(([, program]) => program).sort()).toEqual(["node", "ps", "sh", "sleep"]);
  });

  it("mounts volumes at their real paths, read-only where asked", async () => {
    const pod = pods[0]!.process;
    expect((await runInPod(pod, ["sh", "-c", "echo from-pod > /var/lib/shared/note"])).code).toBe(0);
    expect(readFileSync(join(hostVolume, "note"), "utf8")).toBe("from-pod\n");
    expect((await runInPod(pod, ["cat", "/etc/config/setting"])).stdout).toBe("on\n");
    const write = await runInPod(pod, ["sh", "-c", "echo x > /etc/config/setting"]);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toMatch(/Read-only file system/);
  });

  it("mounts a file volume under a linked folder inside the Pod, never in the host's tree", async () => {
    const pod = pods[0]!.process;
    expect((await runInPod(pod, ["cat", "/run/pod-isolation-test/token"])).stdout).toBe("secret\n");
    expect((await runInPod(pod, ["sh", "-c", "echo x > /var/run/pod-isolation-test/token"])).code).not.toBe(0);
    expect(existsSync("/run/pod-isolation-test")).toBe(false);
  });

  it("mounts volumes whose paths hold spaces or backslashes, in order, read-only where asked", async () => {
    const plain = join(scratch, "plain");
    const odd = join(scratch, "odd paths", "in\\ner");
    const last = join(scratch, "last");
    for (const dir of [join(plain, "b c"), join(plain, "d"), odd, last]) mkdirSync(dir, { recursive: true });
    writeFileSync(join(odd, "file"), "odd\n");
    writeFileSync(join(last, "file"), "last\n");
    const attachment = await network.addPod();
    const pod = await PodProcess.start({
      name: "odd-paths",
      netns: attachment.netns,
      dataDir: join(scratch, "odd-paths"),
      volumes: [
        { hostPath: plain, mountPath: "/srv/a", readOnly: false },
        // Each inside the first: mounted after it, or it would hide them.
        { hostPath: odd, mountPath: "/srv/a/b c", readOnly: true },
        { hostPath: last, mountPath: "/srv/a/d", readOnly: false },
      ],
    });
    try {
      expect((await runInPod(pod, ["cat", "/srv/a/b c/file", "/srv/a/d/file"])).stdout).toBe("odd\nlast\n");
      expect((await runInPod(pod, ["sh", "-c", "echo x > /srv/a/note"])).code).toBe(0);
      expect(readFileSync(join(plain, "note"), "utf8")).toBe("x\n");
      const write = await runInPod(pod, ["sh", "-c", "echo x > '/srv/a/b c/file'"]);
      expect(write.stderr).toMatch(/Read-only file system/);
    } finally {
      await pod.stop();
      await network.removePod(attachment.netns);
    }
  });

  it("routes Pods only to the Pod and Service ranges, which they cannot change, checked without a packet", async () => {
    const { netns } = pods[0]!.attachment;
    const outside = await ip(["-n", netns, "route", "get", "8.8.8.8"]);
    expect(outside).toEqual({ ok: false, output: "RTNETLINK answers: Network is unreachable" });
    const routes = JSON.parse((await ip(["-n", netns, "-j", "route", "show", "table", "all"])).output) as {
      dst: string;
      gateway?: string;
      type?: string;
    }[];
    const unicast = routes.filter((route) => (route.type ?? "unicast") === "unicast");
    expect(unicast.map((route) => [route.dst, route.gateway]).sort()).toEqual(
      [
        [network.podRange, undefined],
        [network.serviceRange, network.gateway],
      ].sort(),
    );
    const addDefault = await runInPod(pods[0]!.process, ["ip", "route", "add", "default", "via", network.gateway]);
    expect(addDefault.stderr.trim()).toBe("RTNETLINK answers: Operation not permitted");
    expect((await ip(["-n", netns, "route", "get", "8.8.8.8"])).ok).toBe(false);
    const toPod = await ip(["route", "get", pods[1]!.attachment.ip]);
    expect(toPod.output).toContain(`dev ${network.bridge} src ${network.gateway}`);
  });

  it("never forwards bridge traffic to another interface and adds no NAT", async () => {
    expect(forwardingSysctls()).toEqual(sysctlsBefore);
    expect(readFileSync(`/proc/sys/net/ipv4/conf/${network.bridge}/forwarding`, "utf8").trim()).toBe("0");
    const ports = JSON.parse((await ip(["-j", "link", "show", "master", network.bridge])).output) as {
      ifname: string;
    }[];
    expect(ports.map((port) => port.ifname).sort()).toEqual(pods.map((pod) => pod.attachment.hostInterface).sort());
    // IPv4 only: no IPv6 address, not even link-local, on the bridge, its ports or in a Pod.
    expect((await ip(["-6", "addr", "show", "dev", network.bridge])).output).toBe("");
    for (const pod of pods) {
      expect((await ip(["-6", "addr", "show", "dev", pod.attachment.hostInterface])).output).toBe("");
      expect((await ip(["-n", pod.attachment.netns, "-6", "addr", "show"])).output).toBe("");
    }
    for (const listing of await firewallListings()) expect(listing).not.toMatch(/masquerade|snat|dnat/i);
  });
});
