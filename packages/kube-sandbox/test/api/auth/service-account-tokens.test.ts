import { describe, expect, it } from "vitest";
import { ServiceAccountTokens, TokenRejectedError } from "../../../src/api/auth/service-account-tokens.js";
import { ObjectStore, type KubeObject } from "../../../src/api/object-store.js";

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
}

function setUp(now = () => new Date("2026-01-01T00:00:00Z")) {
  const store = new ObjectStore();
  const tokens = new ServiceAccountTokens(undefined, now);
  const serviceAccount = store.create("serviceaccounts", {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "robot", namespace: "team" },
  });
  return { store, tokens, serviceAccount };
}

function pod(store: ObjectStore, name: string): KubeObject {
  return store.create("pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "team" },
    spec: { containers: [] },
  });
}

describe("ServiceAccount tokens", () => {
  it("writes the claims kube-apiserver writes", () => {
    const { store, tokens, serviceAccount } = setUp();
    const bound = pod(store, "web");
    const node = store.create("nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "sandbox" } });
    const issued = tokens.issue({ serviceAccount, expirationSeconds: 600, pod: bound, node });
    expect(issued.expirationTimestamp).toBe("2026-01-01T00:10:00Z");
    const header = JSON.parse(Buffer.from(issued.token.split(".")[0]!, "base64url").toString()) as object;
    expect(header).toMatchObject({ alg: "ES256", kid: expect.any(String) as string });
    expect(payloadOf(issued.token)).toEqual({
      aud: ["https://kubernetes.default.svc.cluster.local"],
      exp: 1767226200,
      iat: 1767225600,
      nbf: 1767225600,
      iss: "https://kubernetes.default.svc.cluster.local",
      jti: expect.any(String) as string,
      sub: "system:serviceaccount:team:robot",
      "kubernetes.io": {
        namespace: "team",
        serviceaccount: { name: "robot", uid: serviceAccount.metadata.uid },
        pod: { name: "web", uid: bound.metadata.uid },
        node: { name: "sandbox", uid: node.metadata.uid },
      },
    });
  });

  it("authenticates its ServiceAccount with the ServiceAccount groups and the bound Pod", () => {
    const { store, tokens, serviceAccount } = setUp();
    const bound = pod(store, "web");
    const { token } = tokens.issue({ serviceAccount, expirationSeconds: 600, pod: bound });
    expect(tokens.authenticate(token, store)).toEqual({
      username: "system:serviceaccount:team:robot",
      uid: serviceAccount.metadata.uid,
      groups: ["system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"],
      extra: {
        "authentication.kubernetes.io/credential-id": [`JTI=${String(payloadOf(token).jti)}`],
        "authentication.kubernetes.io/pod-name": ["web"],
        "authentication.kubernetes.io/pod-uid": [bound.metadata.uid],
      },
    });
  });

  it("rejects a token once expired", () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const { store, tokens, serviceAccount } = setUp(() => now);
    const { token } = tokens.issue({ serviceAccount, expirationSeconds: 600 });
    now = new Date("2026-01-01T00:09:59Z");
    expect(tokens.authenticate(token, store).username).toBe("system:serviceaccount:team:robot");
    now = new Date("2026-01-01T00:10:00Z");
    expect(() => tokens.authenticate(token, store)).toThrow(new TokenRejectedError("expired"));
  });

  it("rejects a token for another audience, another signer's, and a changed one", () => {
    const { store, tokens, serviceAccount } = setUp();
    const elsewhere = tokens.issue({ serviceAccount, expirationSeconds: 600, audiences: ["vault"] }).token;
    expect(() => tokens.authenticate(elsewhere, store)).toThrow(/another audience/);
    const foreign = new ServiceAccountTokens().issue({ serviceAccount, expirationSeconds: 600 }).token;
    expect(() => tokens.authenticate(foreign, store)).toThrow(/signature/);
    const [header, , signature] = tokens.issue({ serviceAccount, expirationSeconds: 600 }).token.split(".");
    const forged = Buffer.from(JSON.stringify({ ...payloadOf(foreign), sub: "system:admin" })).toString("base64url");
    expect(() => tokens.authenticate(`${header}.${forged}.${signature}`, store)).toThrow(/signature/);
    expect(() => tokens.authenticate("garbage", store)).toThrow(TokenRejectedError);
  });

  it("rejects a token once its ServiceAccount or Pod is gone, or made anew under the same name", () => {
    const { store, tokens, serviceAccount } = setUp();
    const bound = pod(store, "web");
    const podToken = tokens.issue({ serviceAccount, expirationSeconds: 600, pod: bound }).token;
    const plainToken = tokens.issue({ serviceAccount, expirationSeconds: 600 }).token;
    store.remove("pods", "team", "web");
    expect(() => tokens.authenticate(podToken, store)).toThrow(/pods team\/web is gone/);
    expect(tokens.authenticate(plainToken, store).username).toBe("system:serviceaccount:team:robot");
    store.remove("serviceaccounts", "team", "robot");
    expect(() => tokens.authenticate(plainToken, store)).toThrow(/serviceaccounts team\/robot is gone/);
    store.create("serviceaccounts", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "robot", namespace: "team" },
    });
    expect(() => tokens.authenticate(plainToken, store)).toThrow(/made anew/);
  });
});
