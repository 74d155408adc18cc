import { describe, expect, it } from "vitest";
import type { AccessAttributes, AccessDecision } from "../../src/gateways/kubernetes/kubernetes-gateway.js";
import { ACCESS_GRANT_TTL_MS, recentAccessGrants } from "../../src/recovery/access-grants.js";
import { runRecovery } from "../../src/recovery/run-recovery.js";
import { FakeWorld } from "../support/fake-world.js";

const UPDATE: AccessAttributes = { verb: "update", group: "apps", resource: "deployments", namespace: "default" };
const SCALE: AccessAttributes = { ...UPDATE, verb: "patch", subresource: "scale" };

/** An API server that answers reviews when told to, counting them. */
function reviewer(answer: (access: AccessAttributes) => AccessDecision | Error) {
  const asked: string[] = [];
  return {
    asked,
    reviewAccess: (access: AccessAttributes) => {
      asked.push(`${access.verb} ${access.resource}${access.subresource ? `/${access.subresource}` : ""}`);
      const decision = answer(access);
      return decision instanceof Error ? Promise.reject(decision) : Promise.resolve(decision);
    },
  };
}

describe("recentAccessGrants", () => {
  it("reuses a grant until it is as old as the TTL, then asks again", async () => {
    let now = 1_000;
    const server = reviewer(() => ({ allowed: true, reason: "" }));
    const grants = recentAccessGrants({ reviewer: server, now: () => now });
    expect(await grants.reviewAccess(UPDATE)).toEqual({ allowed: true, reason: "" });
    now += ACCESS_GRANT_TTL_MS - 1;
    await grants.reviewAccess(UPDATE);
    expect(server.asked).toEqual(["update deployments"]);
    await grants.reviewAccess(SCALE);
    expect(server.asked).toEqual(["update deployments", "patch deployments/scale"]);
    now += 1;
    await grants.reviewAccess(UPDATE);
    expect(server.asked).toEqual(["update deployments", "patch deployments/scale", "update deployments"]);
  });

  it("lets questions asked at the same moment share one review", async () => {
    const server = reviewer(() => ({ allowed: true, reason: "" }));
    const grants = recentAccessGrants({ reviewer: server, now: () => 0 });
    await Promise.all([grants.reviewAccess(UPDATE), grants.reviewAccess(UPDATE), grants.reviewAccess(UPDATE)]);
    expect(server.asked).toEqual(["update deployments"]);
  });

  it("never keeps a denial or a failed review: the next question asks again", async () => {
    let answer: AccessDecision | Error = { allowed: false, reason: "" };
    const server = reviewer(() => answer);
    const grants = recentAccessGrants({ reviewer: server, now: () => 0 });
    expect((await grants.reviewAccess(UPDATE)).allowed).toBe(false);
    answer = new Error("no answer");
    await expect(grants.reviewAccess(UPDATE)).rejects.toThrow("no answer");
    answer = { allowed: true, reason: "" };
    expect((await grants.reviewAccess(UPDATE)).allowed).toBe(true);
    expect(server.asked).toHaveLength(3);
  });
});

describe("recoveries sharing recent grants", () => {
  it("still check every permission each time, and a permission taken away after the TTL refuses the next", async () => {
    const world = new FakeWorld();
    let now = 0;
    const accessReviewer = recentAccessGrants({ reviewer: world.kubernetes(), now: () => now });
    world.crashLoop(3);
    const first = await runRecovery(world.context({ accessReviewer, mode: "observe" }));
    expect(first.steps[0]).toMatchObject({ name: "permissions", outcome: "done" });

    world.deniedAccess.add("update deployments");
    now += ACCESS_GRANT_TTL_MS;
    const second = await runRecovery(world.context({ accessReviewer }));
    expect(second.outcome).toBe("refused");
    expect(second.reason).toContain("update deployments.apps in namespace default");
  });
});
