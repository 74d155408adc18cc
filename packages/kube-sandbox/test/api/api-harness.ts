import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/logger.js";
import { startApiServer, type ApiServer, type ApiServerOptions } from "../../src/api/api-server.js";
import { ObjectStore } from "../../src/api/object-store.js";
import { createDeleteObject } from "../../src/controllers/delete-object.js";
import { renderKubeconfig } from "../../src/kubeconfig.js";
import type { PodRuntime } from "../../src/pod-runtime.js";
import { CertificateAuthority, type KeyPairPem } from "../../src/pki/certificate-authority.js";
import { ProcessPodRuntime } from "./process-pod-runtime.js";

/** A running API server over a fresh store, with a kubeconfig that trusts it. */
export interface ApiHarness {
  server: ApiServer;
  store: ObjectStore;
  runtime: PodRuntime;
  kubeconfigPath: string;
  /** The CA certificate, PEM, for raw HTTPS clients. */
  caPem: string;
  /** The CA, for client certificates of other users. */
  ca: CertificateAuthority;
  /** A client certificate of a `system:masters` user, which the kubeconfig and raw clients authenticate with. */
  admin: KeyPairPem;
  /** Every log line the server wrote, parsed. */
  logLines: Record<string, unknown>[];
  /** Resolves once a log line matches, or fails after `timeoutMs` naming `what`. */
  waitForLog(what: string, match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

let authority: Promise<{ ca: CertificateAuthority; cert: string; key: string; admin: KeyPairPem }> | undefined;

/** One CA, serving and admin certificate per test file: key generation is the slow part. */
function serving() {
  authority ??= (async () => {
    const ca = await CertificateAuthority.create("api-server-test-ca");
    const leaf = await ca.issue({ commonName: "apiserver", ips: ["127.0.0.1"], usages: ["server"] });
    const admin = await ca.issue({ commonName: "test-admin", organizations: ["system:masters"], usages: ["client"] });
    return { ca, admin, ...leaf };
  })();
  return authority;
}

export async function startHarness(overrides: Partial<ApiServerOptions> = {}): Promise<ApiHarness> {
  const { ca, cert, key, admin } = await serving();
  const logLines: Record<string, unknown>[] = [];
  const logWaiters = new Set<() => void>();
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split("\n"))
        if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
      logWaiters.forEach((w) => w());
      callback();
    },
  });
  const waitForLog: ApiHarness["waitForLog"] = (what, match, timeoutMs = 3000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (!logLines.some(match)) return;
        clearTimeout(timer);
        logWaiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        logWaiters.delete(check);
        reject(new Error(`no log line for ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      logWaiters.add(check);
      check();
    });
  const logger: Logger = createLogger({ level: "debug", destination });
  const store = overrides.store ?? new ObjectStore();
  const runtime = overrides.runtime ?? new ProcessPodRuntime(store);
  const server = await startApiServer({
    store,
    runtime,
    deleteObject: createDeleteObject(store),
    tls: { cert, key },
    clientCA: ca.certPem,
    logger,
    bookmarkIntervalMs: 200,
    ...overrides,
  });
  const dir = await mkdtemp(join(tmpdir(), "api-server-test-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  await writeFile(
    kubeconfigPath,
    renderKubeconfig({
      name: "api-test",
      server: server.url,
      caPem: ca.certPem,
      namespace: "default",
      credentials: admin,
    }),
  );
  return {
    server,
    store,
    runtime,
    kubeconfigPath,
    caPem: ca.certPem,
    ca,
    admin,
    logLines,
    waitForLog,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
