import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "kube-sandbox";
import { runHelm } from "../support/helm-chart.js";

// A real `helm install` and `helm upgrade` against the sandbox's API server: `lookup` reads what the first
// release stored. The sandbox serves no ServiceAccounts or RBAC, so those are left out here (other tests render them).
const NAMESPACE = "etcd-responder";
const NO_RBAC = ["--set", "serviceAccount.create=false", "--set", "rbac.create=false"];

describe("helm install against the sandbox API server", () => {
  let sandbox: Sandbox;
  let dir: string;
  const helm = (...args: string[]) => runHelm(["--kubeconfig", sandbox.kubeconfig, ...args], dir);
  const secretValue = (name: string, key: string) => {
    const data = sandbox.store.get("secrets", NAMESPACE, name)?.data as Record<string, string> | undefined;
    return data?.[key] === undefined ? undefined : Buffer.from(data[key], "base64").toString();
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "etcd-responder-helm-"));
    // The release's namespace is the sandbox's own (created at start); helm validates against its OpenAPI.
    sandbox = await startSandbox({ dir: join(dir, "sandbox"), namespace: NAMESPACE });
  });

  afterAll(async () => {
    await sandbox?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("generates the webhook token and the Redis password once and keeps them across upgrades", async () => {
    const install = await helm(
      "install",
      "etcd-responder",
      "chart",
      "--namespace",
      NAMESPACE,
      ...NO_RBAC,
    );
    expect(install.stderr).toBe("");
    expect(install.code).toBe(0);
    const token = secretValue("etcd-responder-auth", "token");
    const password = secretValue("etcd-responder-redis", "password");
    expect(token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);

    const upgrade = await helm(
      "upgrade",
      "etcd-responder",
      "chart",
      "--namespace",
      NAMESPACE,
      ...NO_RBAC,
      "--set",
      "logLevel=debug",
    );
    expect(upgrade.stderr).toBe("");
    expect(upgrade.code).toBe(0);
    expect(secretValue("etcd-responder-auth", "token")).toBe(token);
    expect(secretValue("etcd-responder-redis", "password")).toBe(password);

    // A token given in the values replaces the stored one.
    await helm(
      "upgrade",
      "etcd-responder",
      "chart",
      "--namespace",
      NAMESPACE,
      ...NO_RBAC,
      "--set",
      "auth.token=rotated",
    );
    expect(secretValue("etcd-responder-auth", "token")).toBe("rotated");
  });

  it("tells the user how to point Alertmanager at the receiver and how to try it", async () => {
    const status = await helm("status", "etcd-responder", "--namespace", NAMESPACE);
    expect(status.code).toBe(0);
    const notes = status.stdout;
    expect(notes).toContain("URL:    http://etcd-responder.etcd-responder.svc:8080/v1/alerts");
    expect(notes).toContain(
      "kubectl -n etcd-responder get secret etcd-responder-auth -o jsonpath='{.data.token}' | base64 -d",
    );
    expect(notes).toContain("webhook_configs:");
    expect(notes).toContain("credentials_file:");
    expect(notes).toContain("kubectl -n etcd-responder port-forward svc/etcd-responder 8080:8080");
    expect(notes).toMatch(/curl -sS -X POST http:\/\/127\.0\.0\.1:8080\/v1\/recoveries .*Bearer \$TOKEN/);
    expect(notes).toContain('"cluster": "example", "namespace": "default", "member": 3');
    expect(notes).toContain("curl -sS http://127.0.0.1:8080/v1/recoveries");
  });
});
