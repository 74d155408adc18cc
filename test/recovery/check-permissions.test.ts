import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { MissingPermissionsError, PermissionCheckError, UnsafeRecoveryError } from "../../src/core/errors.js";
import { KubernetesApiError } from "../../src/gateways/kubernetes/errors.js";
import type { AccessAttributes, AccessDecision } from "../../src/gateways/kubernetes/kubernetes-gateway.js";
import { permissionsFor } from "../../src/gateways/kubernetes/kubernetes-gateway.js";
import { runRecovery } from "../../src/recovery/run-recovery.js";
import { FakeWorld } from "../support/fake-world.js";

const RULE_UPDATE_DEPLOYMENTS = '- apiGroups: ["apps"] resources: ["deployments"] verbs: ["update"]';
// The fake world runs Deployment members: their recovery asks for the Deployment layout's permissions.
const REVIEWS = permissionsFor("Deployment").flatMap((p) => p.verbs).length;

/** A 403 answer to a SelfSubjectAccessReview, as the gateway reports it. */
function reviewForbidden(): KubernetesApiError {
  const body = JSON.stringify({
    kind: "Status",
    reason: "Forbidden",
    message:
      'selfsubjectaccessreviews.authorization.k8s.io is forbidden: User "system:serviceaccount:default:r" cannot ' +
      'create resource "selfsubjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope',
  });
  return new KubernetesApiError("create", "SelfSubjectAccessReview", new ApiException(403, "Forbidden", body, {}));
}

describe("the permission check", () => {
  it("refuses before the Lease and any change when a permission only Start uses is missing", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    world.deniedAccess.add("update deployments");
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("refused");
    expect(result.retryable).toBe(false);
    expect(result.error).toBeInstanceOf(MissingPermissionsError);
    expect(result.reason).toContain("update deployments.apps in namespace default");
    expect(result.reason).toContain(RULE_UPDATE_DEPLOYMENTS);
    expect(world.calls).toEqual([]);
    expect(world.leases.size).toBe(0);
    expect(result.steps.map((s) => [s.name, s.outcome])).toEqual([["permissions", "failed"]]);
    // The refusal is a Warning Event on the member's Deployment: the responder may record Events.
    expect(world.events).toEqual([
      {
        target: { kind: "Deployment", apiVersion: "apps/v1", namespace: "default", name: "example-3" },
        event: { type: "Warning", reason: "RecoveryRefused", message: result.reason },
      },
    ]);
  });

  it("asks for the claim's permissions, create included, only for a Deployment whose Pods mount a claim", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    world.deniedAccess.add("create persistentvolumeclaims");
    // A Deployment on an emptyDir needs no claim permission: the denied one is never asked about.
    const plain = await runRecovery(world.context({ mode: "observe" }));
    expect(plain.plan?.at(-1)).not.toMatch(/Acting would be refused/);

    const template = world.deployments.get("example-3")!.spec!.template.spec!;
    template.volumes = [{ name: "data", persistentVolumeClaim: { claimName: "example-3-data" } }];
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("refused");
    expect((result.error as MissingPermissionsError).missing).toEqual([
      "create persistentvolumeclaims in namespace default",
    ]);
    expect(result.reason).toContain('- apiGroups: [""] resources: ["persistentvolumeclaims"] verbs: ["create"]');
    expect(world.calls).toEqual([]);
  });

  it("names every missing permission, and records no Event when Events are among them", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    for (const denied of ["get pods/log", "create events", "update leases"]) world.deniedAccess.add(denied);
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("refused");
    expect((result.error as MissingPermissionsError).missing).toEqual([
      "get pods/log in namespace default",
      "create events in namespace default",
      "update leases.coordination.k8s.io in namespace default",
    ]);
    expect(result.reason).toContain('- apiGroups: [""] resources: ["events"] verbs: ["create"]');
    expect(world.events).toEqual([]);
    expect(world.calls).toEqual([]);
  });

  it("fails, never refuses, when an earlier attempt left the member stopped", async () => {
    const world = new FakeWorld();
    await world.stoppedByAnInterruptedRecovery(3);
    world.deniedAccess.add("update deployments");
    const resumed = await runRecovery(world.context());
    expect(resumed).toMatchObject({ outcome: "failed", retryable: false });
    expect(resumed.reason).toContain("update deployments.apps in namespace default");
    expect(resumed.leftChanged).toMatch(/^Deployment example-3 is left at 0 replicas and marked as under recovery/);
    expect(world.calls).toEqual([]);
  });

  it("asks for every permission at once, and again for every recovery", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    const gateway = world.kubernetes();
    const asked: string[] = [];
    const waiting: (() => void)[] = [];
    // Each review answers only once all of one recovery's reviews are asked: asking one after another never ends.
    const reviewAccess = (access: AccessAttributes): Promise<AccessDecision> => {
      asked.push(`${access.verb} ${access.resource}`);
      const answered = new Promise<void>((resolve, reject) => {
        waiting.push(resolve);
        setTimeout(() => reject(new Error(`only ${waiting.length} reviews were asked at once`)), 5000).unref();
      });
      if (waiting.length === REVIEWS) for (const release of waiting.splice(0)) release();
      return answered.then(() => gateway.reviewAccess(access));
    };
    const healthy = await runRecovery(world.context({ kubernetes: { ...gateway, reviewAccess } }));
    expect(healthy.outcome).toBe("succeeded");
    expect(asked).toHaveLength(REVIEWS);
    world.crashLoop(3);
    await runRecovery(world.context({ kubernetes: { ...gateway, reviewAccess } }));
    expect(asked).toHaveLength(2 * REVIEWS);
  });

  it("refuses when the review itself is forbidden, and never takes that as allowed", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    world.failures.set("review", [reviewForbidden()]);
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("refused");
    expect(result.error).toBeInstanceOf(UnsafeRecoveryError);
    expect(result.reason).toMatch(/^could not check whether the responder may .* no permission was taken as granted/);
    expect(result.reason).toContain("create on selfsubjectaccessreviews.authorization.k8s.io");
    expect(result.reason).toContain("system:basic-user");
    expect(world.calls).toEqual([]);
  });

  it("fails, retryable, when the API server does not answer the review", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:6443"), { code: "ECONNREFUSED" });
    world.failures.set("review", [new KubernetesApiError("create", "SelfSubjectAccessReview", refused)]);
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("failed");
    expect(result.retryable).toBe(true);
    expect(result.error).toBeInstanceOf(PermissionCheckError);
    expect(result.reason).toContain("no permission was taken as granted");
    expect(result.reason).toContain("ECONNREFUSED");
    expect(world.calls).toEqual([]);
  });

  it("in observe mode reports the missing permissions as the plan's last line and goes on", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    world.deniedAccess.add("update deployments");
    const result = await runRecovery(world.context({ mode: "observe" }));
    expect(result.outcome).toBe("succeeded");
    expect(result.plan?.at(-1)).toMatch(/^Acting would be refused up front: .*update deployments\.apps/);
    expect(result.plan?.at(-1)).toContain(RULE_UPDATE_DEPLOYMENTS);
    expect(result.steps[0]).toMatchObject({ name: "permissions", outcome: "done" });
    expect(world.calls).toEqual([]);
  });
});
