import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { ForwardingThread, ForwardingThreadError } from "../../src/node/forwarding-thread.js";
import { waitUntil } from "./isolation-harness.js";

const HOST = "127.0.0.1";

/** Resolves once `server` listens on a free port of `HOST`, with that port. */
function listenOnFreePort(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

/** A port of `HOST` nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listenOnFreePort(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Connects, sends `hello`, half-closes, and resolves with the answer or the error code; 5 s at most. */
function ask(port: number): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const socket = connect({ host: HOST, port, allowHalfOpen: true });
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer from ${HOST}:${port} within 5 s`)));
    socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
    socket.once("end", () => {
      socket.destroy();
      resolve(text);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    socket.end("hello");
  });
}

describe("the Service proxy's forwarding thread", () => {
  const logLines: string[] = [];
  const logger = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  });
  /** Answers `backend:WHAT-IT-READ` once the client half-closed. */
  const backend = createServer({ allowHalfOpen: true }, (socket) => {
    let got = "";
    socket.on("data", (chunk: Buffer) => (got += chunk.toString()));
    socket.on("end", () => socket.end(`backend:${got}`));
  });
  let backendPort: number;
  const threads: ForwardingThread[] = [];

  /** Starts a thread that the tests' clean-up stops. */
  async function startThread(options: { onRestart?: () => void; workerModule?: URL } = {}): Promise<ForwardingThread> {
    const thread = await ForwardingThread.start({ logger, onRestart: () => undefined, ...options });
    threads.push(thread);
    return thread;
  }

  beforeAll(async () => {
    backendPort = await listenOnFreePort(backend);
  });

  afterEach(async () => {
    for (const thread of threads.splice(0)) await thread.stop();
    logLines.length = 0;
  });

  afterAll(async () => {
    await new Promise((resolve) => backend.close(resolve));
  });

  it("listens on the ports it is sent, forwards to their backends, and stops listening on ports left out", async () => {
    const thread = await startThread();
    const port = await freePort();
    const backends = [{ ip: HOST, port: backendPort }];
    expect(await thread.serve("default/web", HOST, [{ port, backends }])).toEqual([{ port, listening: true }]);
    expect(await ask(port)).toBe("backend:hello");

    const taken = await thread.serve("default/other", HOST, [{ port, backends }]);
    expect(taken).toMatchObject([{ port, listening: false, error: { code: "EADDRINUSE" } }]);

    expect(await thread.serve("default/web", HOST, [])).toEqual([]);
    expect(await ask(port)).toBe("ECONNREFUSED");
  });

  it("reports a failed backend connection, which the proxy logs at debug", async () => {
    const thread = await startThread();
    const port = await freePort();
    const deadBackend = { ip: HOST, port: await freePort() };
    await thread.serve("default/web", HOST, [{ port, backends: [deadBackend] }]);
    expect(await ask(port)).toBe("ECONNRESET");
    await waitUntil("the failed backend connection to be logged", 5_000, () =>
      logLines.some((line) => line.includes("Service backend connection failed")),
    );
    const line = JSON.parse(logLines.find((text) => text.includes("Service backend connection failed"))!) as object;
    expect(line).toMatchObject({
      level: "debug",
      host: HOST,
      port,
      backend: deadBackend,
      err: { code: "ECONNREFUSED" },
    });
  });

  it("closes its listeners and connections when stopped, and refuses requests afterwards", async () => {
    const thread = await startThread();
    const port = await freePort();
    await thread.serve("default/web", HOST, [{ port, backends: [{ ip: HOST, port: backendPort }] }]);
    const held = connect({ host: HOST, port });
    held.on("error", () => undefined);
    await new Promise<void>((resolve) => held.once("connect", resolve));

    await thread.stop();
    await waitUntil("the held connection to close", 5_000, () => held.destroyed);
    expect(await ask(port)).toBe("ECONNREFUSED");
    await expect(thread.serve("default/web", HOST, [])).rejects.toThrow(ForwardingThreadError);
  });

  it("replaces a thread that crashed, rejecting the request it had not answered", async () => {
    let restarts = 0;
    const thread = await startThread({
      workerModule: new URL("./fixtures/crashing-forwarding-worker.ts", import.meta.url),
      onRestart: () => restarts++,
    });
    await expect(thread.serve("default/crash", HOST, [])).rejects.toThrow(ForwardingThreadError);
    await waitUntil("a new forwarding thread to be ready", 30_000, () => restarts === 1);
    expect(logLines.some((line) => line.includes("the forwarding thread broke"))).toBe(true);
    expect(logLines.some((line) => line.includes("Service forwarding thread exited; starting a new one"))).toBe(true);

    const port = await freePort();
    await thread.serve("default/web", HOST, [{ port, backends: [{ ip: HOST, port: backendPort }] }]);
    expect(await ask(port)).toBe("backend:hello");
  });

  it("does not start when its worker cannot load, and says why", async () => {
    const workerModule = new URL("./fixtures/unloadable-forwarding-worker.ts", import.meta.url);
    const started = startThread({ workerModule });
    await expect(started).rejects.toThrow(ForwardingThreadError);
    const err = (await started.catch((error: unknown) => error)) as ForwardingThreadError;
    expect(String((err.cause as Error | undefined)?.message)).toContain("this forwarding worker cannot load");
    expect(logLines.some((line) => line.includes("starting a new one"))).toBe(false);
  });
});
