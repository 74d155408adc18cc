import { writeFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { CertificateAuthority } from "kube-sandbox";
import { KubernetesApiError } from "../../../src/gateways/kubernetes/errors.js";
import { createKubernetesGateway } from "../../../src/gateways/kubernetes/kubernetes-gateway.js";
import { capturingLogger } from "../../support/capturing-logger.js";
import { startConnectProxy, type ConnectProxy } from "../../support/connect-proxy.js";
import {
  fakeKubeConfig,
  startFakeApiServer,
  type DropPolicy,
  type FakeApiServer,
} from "../../support/fake-api-server.js";

const NS = "default";

/** Long enough for an answered connection to be back in the client's pool, idle. */
const SETTLE_MS = 50;

// A local HTTPS server with its own CA stands in for the API server: it counts TLS connections, and can drop
// a kept-alive connection when the client reuses it, as a server that has just closed it would.
describe("connections of the Kubernetes gateway", () => {
  let server: FakeApiServer | undefined;
  let proxy: ConnectProxy | undefined;
  let issued = 0;
  const token = () => `token-${++issued}`;

  afterEach(async () => {
    await Promise.all([server?.close(), proxy?.close()]);
    server = undefined;
    proxy = undefined;
    issued = 0;
  });

  async function gatewayFor(drop?: DropPolicy) {
    server = await startFakeApiServer(drop);
    const log = capturingLogger();
    const kubeConfig = fakeKubeConfig(server, token);
    // Each call is sent once by the gateway itself: what is counted here is the connection layer's own resend.
    const retries = { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 };
    return { gateway: createKubernetesGateway({ kubeConfig, logger: log.logger, retries }), log };
  }

  it("sends every request over kept-alive connections, with credentials asked anew for each", async () => {
    const { gateway } = await gatewayFor();
    for (let i = 0; i < 10; i++) {
      expect((await gateway.readDeployment(NS, `member-${i}`))?.metadata?.name).toBe(`member-${i}`);
      expect((await gateway.listPods(NS, "app=etcd")).pods).toEqual([]);
    }
    expect(server!.requests).toHaveLength(20);
    expect(server!.requests.map((r) => r.authorization)).toEqual(
      Array.from({ length: 20 }, (_, i) => `Bearer token-${i + 1}`),
    );
    // One connection, or two when an answer arrives before its connection is back in the pool; never one each.
    expect(server!.connections()).toBeLessThanOrEqual(2);
  });

  it("opens new connections when the TLS material changes, and closes the old ones", async () => {
    const { gateway } = await gatewayFor();
    for (let i = 0; i < 5; i++) await gateway.readDeployment(NS, "before");
    const before = server!.connections();
    expect(before).toBeLessThanOrEqual(2);

    // A CA bundle with one more CA in it: the same trust, other material, as when a cluster's CA rotates.
    const other = await CertificateAuthority.create("other-ca");
    await writeFile(server!.caFile, `${server!.caPem}\n${other.certPem}\n`);
    for (let i = 0; i < 5; i++) await gateway.readDeployment(NS, "after");
    const after = server!.connections() - before;
    expect(after).toBeGreaterThanOrEqual(1);
    expect(after).toBeLessThanOrEqual(2);
    // The old connections are closed by the client, not left until they idle out.
    await expect.poll(() => server!.openConnections(), { timeout: 2000 }).toBeLessThanOrEqual(after);
  });

  it("keeps connections alive through an HTTP proxy-url too", async () => {
    server = await startFakeApiServer();
    proxy = await startConnectProxy();
    const gateway = createKubernetesGateway({
      kubeConfig: fakeKubeConfig(server, token, proxy.url),
      logger: capturingLogger().logger,
    });
    for (let i = 0; i < 10; i++) expect((await gateway.readDeployment(NS, "proxied"))?.metadata?.name).toBe("proxied");
    expect(server.requests).toHaveLength(10);
    expect(proxy.tunnels()).toBeLessThanOrEqual(2);
    expect(server.connections()).toBe(proxy.tunnels());
  });

  it("refuses a SOCKS proxy-url, for which it has no pool, as a failure that trying again does not fix", async () => {
    server = await startFakeApiServer();
    const kubeConfig = fakeKubeConfig(server, token, "socks5://127.0.0.1:1080");
    const gateway = createKubernetesGateway({ kubeConfig, logger: capturingLogger().logger });
    const failure = await gateway.readDeployment(NS, "x").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KubernetesApiError);
    expect(failure).toMatchObject({ retryable: false, message: expect.stringContaining("SOCKS proxy-url") as string });
    expect(server.requests).toEqual([]);
  });

  describe.each<DropPolicy["how"]>(["close", "reset"])("when the server drops a connection (%s)", (how) => {
    it("sends a GET once more when its kept-alive connection was dropped, on a new connection", async () => {
      const { gateway } = await gatewayFor({ requests: "reused", how });
      await gateway.readDeployment(NS, "first");
      await delay(SETTLE_MS);
      expect((await gateway.readDeployment(NS, "second"))?.metadata?.name).toBe("second");
      expect(server!.requests.map(({ path, connection, answered }) => ({ path, connection, answered }))).toEqual([
        { path: `/apis/apps/v1/namespaces/${NS}/deployments/first`, connection: 1, answered: true },
        { path: `/apis/apps/v1/namespaces/${NS}/deployments/second`, connection: 1, answered: false },
        { path: `/apis/apps/v1/namespaces/${NS}/deployments/second`, connection: 2, answered: true },
      ]);
    });

    it("sends a GET only once more, then fails as worth retrying later", async () => {
      const { gateway } = await gatewayFor({ requests: "all", how });
      const failure = await gateway.readDeployment(NS, "unanswered").catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(KubernetesApiError);
      expect(failure).toMatchObject({ retryable: true, statusCode: undefined });
      expect(server!.requests.map(({ method, answered }) => ({ method, answered }))).toEqual([
        { method: "GET", answered: false },
        { method: "GET", answered: false },
      ]);
    });

    it("never sends a POST again: creating twice is not safe", async () => {
      const { gateway, log } = await gatewayFor({ requests: "reused", how });
      await gateway.listPods(NS, "app=etcd");
      await delay(SETTLE_MS);
      await gateway.recordEvent(
        { kind: "Deployment", apiVersion: "apps/v1", namespace: NS, name: "first" },
        { type: "Normal", reason: "Tested", message: "one POST" },
      );
      const posts = server!.requests.filter((r) => r.method === "POST");
      expect(posts).toEqual([expect.objectContaining({ connection: 1, answered: false })]);
      const warning = log.lines().find((line) => line.msg === "could not record event");
      expect(warning).toMatchObject({ level: "warn", reason: "Tested" });
    });
  });
});
