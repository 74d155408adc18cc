import { spawn } from "node:child_process";
import { connect } from "node:net";
import { Duplex } from "node:stream";

/** Where a forwarded connection goes, and what to say of the Pod in errors. */
export interface ForwardTarget {
  /** The Pod's address (`status.podIP`), which the sandbox's process reaches in both isolation modes. */
  host: string;
  /** The Pod's network namespace (`ip netns` name) when it has one of its own. */
  netns?: string | undefined;
  pod: string;
  uid: string;
}

/** A connection that could not be made, with Go's words for why (`connection refused`). */
export class DialError extends Error {
  constructor(
    message: string,
    readonly refused: boolean,
  ) {
    super(message);
  }
}

/**
 * Relays stdin and stdout to a TCP connection to 127.0.0.1:PORT (argv[1]), saying `connected` or `error CODE` on
 * stderr first: run by plain Node inside a Pod's network namespace, it is how the kubelet's `localhost` is reached
 * (dockershim ran `socat` the same way). Pipes are written synchronously on Linux, so exiting on close loses
 * nothing.
 */
const RELAY = `
const s = require("net").connect(Number(process.argv[1]), "127.0.0.1");
s.on("connect", () => { process.stderr.write("connected\\n"); process.stdin.pipe(s); s.pipe(process.stdout); });
s.on("error", (e) => { process.stderr.write("error " + (e.code || e.message) + "\\n"); process.exit(1); });
s.on("close", () => process.exit(0));
`;

/**
 * Connects to a port of the Pod as the kubelet's port forwarding does: to `localhost` inside the Pod's network
 * namespace when it has one; refused there, on the Pod's address (a server listening only there, which a kubelet
 * could not reach, is reached here). Pods on the host's network (loopback) are reached on their address only,
 * since their `localhost` is the host's. Rejects with a `DialError` that words the first failure as kubelet does.
 */
export async function dialPod(target: ForwardTarget, port: number): Promise<Duplex> {
  if (!target.netns) return dialAddress(target.host, port);
  try {
    return await dialInNamespace(target.netns, port);
  } catch (error) {
    if (!(error instanceof DialError) || !error.refused) throw error;
    try {
      return await dialAddress(target.host, port);
    } catch {
      throw error;
    }
  }
}

function dialAddress(host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      const why = errnoText(err.code ?? err.message);
      reject(
        new DialError(
          `failed to connect to ${host}:${port}: dial tcp4 ${host}:${port}: connect: ${why}`,
          err.code === "ECONNREFUSED",
        ),
      );
    });
  });
}

function dialInNamespace(netns: string, port: number): Promise<Duplex> {
  const child = spawn("nsenter", [`--net=/run/netns/${netns}`, "--", process.execPath, "-e", RELAY, String(port)], {
    // Plain Node: none of the sandbox's Node options (loaders) and nothing else of its environment.
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let said = "";
    let settled = false;
    const fail = (code: string) => {
      if (settled) return;
      settled = true;
      child.kill("SIGKILL");
      const where = `failed to connect to localhost:${port} inside namespace "${netns}"`;
      reject(
        new DialError(
          `${where}, IPv4: dial tcp4 127.0.0.1:${port}: connect: ${errnoText(code)}`,
          code === "ECONNREFUSED",
        ),
      );
    };
    child.stderr.on("data", (chunk: Buffer) => {
      said += chunk.toString();
      const error = /error (\S+)/.exec(said);
      if (error) return fail(error[1]!);
      if (!settled && said.includes("connected\n")) {
        settled = true;
        const duplex = Duplex.from({ readable: child.stdout, writable: child.stdin });
        duplex.once("close", () => child.kill("SIGKILL"));
        resolve(duplex);
      }
    });
    child.once("error", (error) => fail(error.message));
    child.once("exit", (code) => fail(`the relay exited with code ${code}: ${said.trim()}`));
  });
}

/** A socket error as Go's net package words it: `connection refused`, `connection reset by peer`. */
function errnoText(code: string): string {
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset by peer";
    case "EHOSTUNREACH":
      return "no route to host";
    case "ENETUNREACH":
      return "network is unreachable";
    case "ETIMEDOUT":
      return "connection timed out";
    default:
      return code;
  }
}
