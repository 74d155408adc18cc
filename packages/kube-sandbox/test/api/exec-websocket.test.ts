import { request as httpsRequest } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startHarness, type ApiHarness } from "./api-harness.js";
import { call } from "./https-client.js";

const EXEC = "/api/v1/namespaces/default/pods/runner/exec";

interface Session {
  frames: Buffer[];
  protocol: string;
  closeCode: number;
}

/** Runs one exec over a raw WebSocket, sending `stdin` (then `[255, 0]`), and collects every frame. */
function execOver(harness: ApiHarness, query: string, protocols: string[], stdin?: string): Promise<Session> {
  const url = `${harness.server.url.replace("https", "wss")}${EXEC}?${query}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { ca: harness.caPem, ...harness.admin });
    const frames: Buffer[] = [];
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error("exec session did not end within 10 s"));
    }, 10_000);
    ws.on("open", () => {
      if (stdin !== undefined) {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(stdin)]));
        ws.send(Buffer.from([255, 0]));
      }
    });
    ws.on("message", (data: Buffer) => frames.push(data));
    ws.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.on("close", (code) => {
      clearTimeout(timer);
      resolve({ frames, protocol: ws.protocol, closeCode: code });
    });
  });
}

function channel(session: Session, n: number): string {
  return session.frames
    .filter((f) => f[0] === n)
    .map((f) => f.subarray(1).toString())
    .join("");
}

describe("pods/exec over WebSocket", () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await startHarness();
    harness.store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "runner", namespace: "default" },
      spec: { containers: [{ name: "main", image: "busybox" }] },
      status: { phase: "Running" },
    });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("speaks v5.channel.k8s.io: stdin in, stdout and stderr out, Success on channel 3", async () => {
    const query = "command=sh&command=-c&command=cat%3B%20echo%20done%20%3E%262&stdin=true&stdout=true&stderr=true";
    const session = await execOver(harness, query, ["v5.channel.k8s.io", "v4.channel.k8s.io"], "typed\n");
    expect(session.protocol).toBe("v5.channel.k8s.io");
    expect(channel(session, 1)).toBe("typed\n");
    expect(channel(session, 2)).toBe("done\n");
    expect(JSON.parse(channel(session, 3))).toEqual({ metadata: {}, status: "Success" });
    expect(session.closeCode).toBe(1000);
  });

  it("reports a non-zero exit on channel 3 and writes only to the channels asked for (v4)", async () => {
    const script = encodeURIComponent("echo out; echo err >&2; exit 7");
    const query = `command=sh&command=-c&command=${script}&stdout=true&container=main`;
    const session = await execOver(harness, query, ["v4.channel.k8s.io"]);
    expect(session.protocol).toBe("v4.channel.k8s.io");
    expect(session.frames.map((f) => f[0]).filter((c) => c !== 1 && c !== 3)).toEqual([]);
    expect(channel(session, 1)).toBe("out\n");
    expect(JSON.parse(channel(session, 3))).toMatchObject({
      status: "Failure",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "7" }] },
    });
  });

  it("refuses exec without a WebSocket upgrade, over SPDY, or for an unknown pod or container", async () => {
    const plain = await call(harness, "GET", `${EXEC}?command=true&stdout=true`);
    expect(plain.status).toBe(400);
    expect(plain.json()).toMatchObject({ kind: "Status", reason: "BadRequest" });

    const spdy = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(new URL(`${EXEC}?command=true&stdout=true`, harness.server.url), {
        method: "POST",
        ca: harness.caPem,
        ...harness.admin,
        headers: { Connection: "Upgrade", Upgrade: "SPDY/3.1", "X-Stream-Protocol-Version": "v4.channel.k8s.io" },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("upgrade", () => reject(new Error("the server accepted a SPDY upgrade")));
      req.on("error", reject);
      req.end();
    });
    expect(spdy.status).toBe(400);
    expect(spdy.body).toContain("only over WebSocket");

    await expect(execOver(harness, "command=true&stdout=true&container=nope", ["v5.channel.k8s.io"])).rejects.toThrow(
      /400/,
    );
    const wsUrl = harness.server.url.replace("https", "wss");
    const ghost = `${wsUrl}/api/v1/namespaces/default/pods/ghost/exec?command=true&stdout=true`;
    await expect(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(ghost, ["v5.channel.k8s.io"], { ca: harness.caPem, ...harness.admin });
        ws.on("open", resolve);
        ws.on("error", reject);
      }),
    ).rejects.toThrow(/404/);
    await expect(execOver(harness, "stdout=true", ["v5.channel.k8s.io"])).rejects.toThrow(/400/);
  });
});
