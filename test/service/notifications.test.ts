import { holdLeaseAsAnother } from "../support/foreign-lease.js";
import { randomBytes } from "node:crypto";
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1PolicyRule } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecoveryRequestAnswer } from "../../src/cli/service-client.js";
import { REQUIRED_PERMISSIONS } from "../../src/gateways/kubernetes/kubernetes-gateway.js";
import { runService } from "../../src/service/run-service.js";
import { kubeConfigFrom } from "../support/pod-watch.js";
import { startNotificationReceiver, type NotificationReceiver } from "../support/notification-receiver.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { startResponder, type ResponderProcess } from "../support/responder-process.js";
import { createRestrictedIdentity, withoutVerb, type RestrictedIdentity } from "../support/restricted-identity.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { writeServiceConfig } from "../support/sandbox-config.js";
import { serviceApi, waitForRecovery, type ServiceApi } from "../support/service-api.js";

/** What a recovery in namespace default needs, as the responder itself asks for it. */
const RULES: V1PolicyRule[] = REQUIRED_PERMISSIONS.map((p) => ({
  apiGroups: [p.apiGroup],
  resources: [p.resource],
  verbs: [...p.verbs],
}));

// The real service (one `all` process on the sandbox, as a ServiceAccount whose Role the test changes) tells a local
// webhook receiver about its recoveries; its whole output never holds the webhook's URL.
describe("notifications from the service", () => {
  let redis: TestRedis;
  let sandbox: SandboxProcess;
  let receiver: NotificationReceiver;
  let identity: RestrictedIdentity;
  let service: ResponderProcess | undefined;
  let api: ServiceApi;
  const secret = `/services/T0042/B0042/${randomBytes(12).toString("hex")}`;
  let webhookURL: string;

  beforeAll(async () => {
    [redis, sandbox, receiver] = await Promise.all([
      startRedis(),
      startSandboxProcess({ members: 3 }),
      startNotificationReceiver(),
    ]);
    webhookURL = `${receiver.url}${secret}`;
    identity = await createRestrictedIdentity(
      kubeConfigFrom(sandbox.info.kubeconfig),
      sandbox.dir,
      "default",
      "etcd-responder",
      RULES,
    );
    await writeFile(join(sandbox.dir, "webhook-url"), `${webhookURL}\n`, { mode: 0o600 });
    const config = await writeServiceConfig(sandbox, "notify.yaml", {
      stepTimeoutSeconds: 1,
      service: [
        "  circuitBreaker: { failures: 1, windowMinutes: 10 }",
        "  retry: { attempts: 1, backoffSeconds: 0.1 }",
      ],
    });
    await appendFile(
      config,
      [
        "notifications:",
        "  targets:",
        "    - name: oncall",
        "      format: json",
        "      urlFile: webhook-url",
        '      linkTemplate: "https://responder.example/v1/recoveries/{id}"',
        "",
      ].join("\n"),
    );
    service = await startResponder({
      mode: "all",
      config,
      redisURL: redis.url,
      env: { KUBECONFIG: identity.kubeconfig, LOG_LEVEL: "debug" },
    });
    api = serviceApi(service.url);
  });
  afterAll(async () => {
    await service?.stop();
    await receiver?.close();
    await sandbox?.stop();
    await redis?.stop();
  });

  async function recover(member: number): Promise<string> {
    const queued = await api.post("/v1/recoveries", { cluster: "example", member });
    expect(queued.status).toBe(202);
    return (queued.body as RecoveryRequestAnswer).id;
  }

  const event = (id: string, name: string) => (n: { body: unknown }) => {
    const body = n.body as { recovery?: string; event?: string };
    return body.recovery === id && body.event === name;
  };

  it("tells of a member found healthy, a refusal, and a failure that trips the breaker", async () => {
    const healthy = await recover(1);
    expect((await waitForRecovery(api, healthy, undefined, 30_000)).state).toBe("skipped");
    await receiver.waitFor("the skipped recovery's notifications", event(healthy, "skipped"));
    expect(
      receiver.received
        .filter((n) => (n.body as { recovery: string }).recovery === healthy)
        .map((n) => (n.body as { event: string }).event),
    ).toEqual(["started", "skipped"]);

    // Without get on pods/log the permission check refuses before anything is touched.
    await identity.setRules(withoutVerb(RULES, "", "pods/log", "get"));
    const refused = await recover(2);
    expect((await waitForRecovery(api, refused, undefined, 30_000)).state).toBe("refused");
    const [refusal] = await receiver.waitFor("the refusal", event(refused, "refused"));
    expect(refusal!.path).toBe(secret);
    expect(refusal!.body).toMatchObject({
      event: "refused",
      cluster: "example",
      namespace: "default",
      member: 2,
      step: "permissions",
      reason: expect.stringContaining("get pods/log in namespace default") as string,
      link: `https://responder.example/v1/recoveries/${refused}`,
    });

    // Someone else holds the cluster's Lease: the lock step gives up after the 1 s step deadline, for good.
    await identity.setRules(RULES);
    // No recovery runs, so no Lease is left: another holder creates it, as a second responder would.
    await holdLeaseAsAnother(sandbox.info.kubeconfig, "default", "example");
    const failed = await recover(3);
    expect((await waitForRecovery(api, failed, undefined, 30_000)).state).toBe("failed");
    const [failure] = await receiver.waitFor("the failure", event(failed, "failed"));
    expect(failure!.body).toMatchObject({
      member: 3,
      step: "lock",
      reason: expect.stringMatching(/step lock failed .*someone-else/) as string,
    });
    const [trip] = await receiver.waitFor("the breaker's trip", event(failed, "breakerTripped"));
    expect(trip!.body).toMatchObject({ cluster: "example", mode: "observe", failures: 1 });

    const metrics = await (await fetch(`http://127.0.0.1:${service!.workerPort}/metrics`)).text();
    expect(metrics).toMatch(
      /^etcd_responder_notifications_total\{target="oncall",event="breakerTripped",result="sent"\} 1$/m,
    );

    // Every line the service wrote, at debug: the webhook's URL is in none of them.
    const output = service!.output();
    expect(output).toContain('"msg":"notification sent"');
    expect(output).not.toContain(secret);
    expect(output).not.toContain(webhookURL);
  });
});

describe("a notification target's URL file at start-up", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "responder-notify-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [what, content, problem] of [
    ["blank", " \n", '"url" is empty; expected the webhook URL'],
    [
      "not http(s)",
      "hooks.slack.com/services/T1/B1/nottherightshape\n",
      '"url" does not hold an http:// or https:// URL (its content is not shown: it is a secret)',
    ],
  ] as const) {
    it(`stops the worker when ${what}: exit 2 and one line naming the key, the URL not quoted`, async () => {
      await writeFile(join(dir, "url"), content);
      const config = join(dir, "config.yaml");
      await writeFile(
        config,
        "clusters: [{ name: example, members: 3 }]\n" +
          "notifications:\n  targets: [{ name: oncall, format: slack, urlFile: url }]\n",
      );
      const lines: string[] = [];
      const code = await runService(
        { role: "worker", configPath: config, insecureNoAuth: false },
        { env: {}, stderr: (line) => lines.push(line) },
      );
      expect(code).toBe(2);
      expect(lines).toEqual([`etcd-responder worker: ${config}: notifications.targets[0].urlFile: ${problem}`]);
    });
  }

  it("stops the worker when the file is missing", async () => {
    const config = join(dir, "missing.yaml");
    await writeFile(
      config,
      "clusters: [{ name: example, members: 3 }]\n" +
        "notifications:\n  targets: [{ name: oncall, format: json, urlFile: /nope/url }]\n",
    );
    const lines: string[] = [];
    const code = await runService(
      { role: "worker", configPath: config, insecureNoAuth: false },
      { env: {}, stderr: (line) => lines.push(line) },
    );
    expect(code).toBe(2);
    expect(lines).toEqual([
      `etcd-responder worker: ${config}: notifications.targets[0].urlFile: cannot read "/nope/url": no such file`,
    ]);
  });
});
