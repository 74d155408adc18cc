import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ServiceAccountTokens } from "../../src/api/auth/service-account-tokens.js";
import { storeTokenIssuer } from "../../src/kubelet/projected-tokens.js";
import { createLogger } from "../../src/logger.js";
import {
  containerStatus,
  podManifest,
  sink,
  startKubelet,
  waitFor,
  waitReady,
  type KubeletHarness,
} from "./kubelet-harness.js";

/** The claims of a JWT, unverified. */
function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

describe("Kubelet with projected ServiceAccount tokens", () => {
  let harness: KubeletHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("writes a token bound to the Pod and replaces it before it expires", async () => {
    const tokens = new ServiceAccountTokens();
    harness = startKubelet((store) => ({
      tokens: storeTokenIssuer(store, tokens, { nodeName: "sandbox", maxExpirationSeconds: 2 }),
    }));
    const { store, dataDir } = harness;
    store.create("serviceaccounts", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "robot", namespace: "default" },
    });
    const pod = store.create(
      "pods",
      podManifest("holder", [{ name: "main", image: "busybox", command: ["sleep", "60"] }], {
        serviceAccountName: "robot",
        volumes: [
          {
            name: "tokens",
            projected: {
              sources: [
                { serviceAccountToken: { path: "api/token", expirationSeconds: 600 } },
                { serviceAccountToken: { path: "vault-token", audience: "vault" } },
              ],
            },
          },
        ],
      }),
    );
    await waitReady(store, "holder", 10_000);
    const volume = join(dataDir, "pods", `default_holder_${pod.metadata.uid}`, "volumes", "tokens");
    const read = (path: string) => readFileSync(join(volume, path), "utf8");

    const first = read("api/token");
    const user = tokens.authenticate(first, store);
    expect(user.username).toBe("system:serviceaccount:default:robot");
    expect(user.extra?.["authentication.kubernetes.io/pod-uid"]).toEqual([pod.metadata.uid]);
    expect(claimsOf(first).aud).toEqual([tokens.issuer]);
    expect(claimsOf(read("vault-token")).aud).toEqual(["vault"]);

    // Capped at 2 s, the token is replaced once 80% of that has passed, well before it expires.
    const second = await waitFor(
      () => read("api/token"),
      (token) => token !== first,
      "a new token",
      5000,
    );
    expect(Date.now() / 1000).toBeLessThan(claimsOf(first).exp as number);
    expect(tokens.authenticate(second, store).username).toBe("system:serviceaccount:default:robot");
    expect(claimsOf(second).exp).toBeGreaterThan(claimsOf(first).exp as number);
    const third = await waitFor(
      () => read("api/token"),
      (token) => token !== second,
      "a third token",
      5000,
    );
    expect(claimsOf(third).jti).not.toBe(claimsOf(second).jti);
  });

  it("keeps a Pod whose ServiceAccount is missing in ContainerCreating until it appears", async () => {
    const tokens = new ServiceAccountTokens();
    const chunks: Buffer[] = [];
    harness = startKubelet((store) => ({
      logger: createLogger({ level: "warn", destination: sink(chunks) }),
      tokens: storeTokenIssuer(store, tokens, { nodeName: "sandbox" }),
    }));
    const { store } = harness;
    store.create(
      "pods",
      podManifest("waiting", [{ name: "main", image: "busybox", command: ["sleep", "60"] }], {
        serviceAccountName: "absent",
        volumes: [{ name: "tokens", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } }],
      }),
    );
    const warnings = () => Buffer.concat(chunks).toString("utf8");
    await waitFor(warnings, (text) => text.includes("volume setup failed"), "the volume setup to fail");
    expect(warnings()).toContain('failed to fetch token: serviceaccounts \\"absent\\" not found');
    expect(containerStatus(store, "waiting", "main")?.state.waiting?.reason).toBe("ContainerCreating");
    store.create("serviceaccounts", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "absent", namespace: "default" },
    });
    await waitReady(store, "waiting", 10_000);
  });
});
