import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPodOfDeployment, memberFromPodName, type MemberDeployment } from "../../src/intake/pod-name-convention.js";

const SAFE = "bcdfghjklmnpqrstvwxz2456789".split("");
const safeString = (min: number, max: number) =>
  fc.array(fc.constantFrom(...SAFE), { minLength: min, maxLength: max }).map((c) => c.join(""));

/** What Kubernetes names a Pod of `deployment`: the ReplicaSet's name plus `-`, cut to 58 characters, plus 5 random. */
function kubernetesPodName(deployment: string, hash: string, random: string): string {
  return `${deployment}-${hash}-`.slice(0, 58) + random;
}

describe("isPodOfDeployment", () => {
  it("matches the Pods of the Deployment, whatever their ReplicaSet", () => {
    expect(isPodOfDeployment("example-3-7d9f8b6c4d-x2k4q", "example-3")).toBe(true);
    expect(isPodOfDeployment("example-3-58b4c9d7f6-n7vrt", "example-3")).toBe(true);
    // Hashes of old clusters were decimal.
    expect(isPodOfDeployment("example-3-1234567890-abcde", "example-3")).toBe(true);
  });

  it("does not match other Deployments' Pods or other shapes", () => {
    expect(isPodOfDeployment("example-3-7d9f8b6c4d-x2k4q", "example-1")).toBe(false);
    expect(isPodOfDeployment("example-30-7d9f8b6c4d-x2k4q", "example-3")).toBe(false);
    expect(isPodOfDeployment("example-3-1-7d9f8b6c4d-x2k4q", "example-3")).toBe(false);
    expect(isPodOfDeployment("example-3-x2k4q", "example-3")).toBe(false);
    expect(isPodOfDeployment("example-3", "example-3")).toBe(false);
    expect(isPodOfDeployment("example-3-7d9f8b6c4d-X2K4Q", "example-3")).toBe(false);
    expect(isPodOfDeployment("example-3-7d9f8b6c4d7d-x2k4q", "example-3")).toBe(false);
    expect(isPodOfDeployment("", "example-3")).toBe(false);
    expect(isPodOfDeployment("x2k4q", "")).toBe(false);
  });

  it("matches every name Kubernetes can give a Deployment's Pods, long names included", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,60}[a-z0-9])?$/),
        safeString(1, 10),
        safeString(5, 5),
        (deployment, hash, random) => {
          expect(isPodOfDeployment(kubernetesPodName(deployment, hash, random), deployment)).toBe(true);
        },
      ),
    );
  });

  it("handles a name cut inside the Deployment name", () => {
    const deployment = `${"a".repeat(60)}-1`;
    expect(isPodOfDeployment(kubernetesPodName(deployment, "7d9f8b6c4d", "x2k4q"), deployment)).toBe(true);
    expect(isPodOfDeployment(`${"b".repeat(58)}x2k4q`, deployment)).toBe(false);
  });
});

describe("memberFromPodName", () => {
  const deployments: MemberDeployment[] = [
    { cluster: "example", namespace: "default", member: 1, deployment: "example-1" },
    { cluster: "example", namespace: "default", member: 2, deployment: "example-2" },
    { cluster: "example", namespace: "staging", member: 1, deployment: "example-1" },
  ];

  it("finds the member in the Pod's namespace", () => {
    expect(memberFromPodName(deployments, "default", "example-2-7d9f8b6c4d-x2k4q")).toEqual({
      cluster: "example",
      member: 2,
    });
    expect(memberFromPodName(deployments, "staging", "example-1-7d9f8b6c4d-x2k4q")).toEqual({
      cluster: "example",
      member: 1,
    });
  });

  it("finds nothing in another namespace or for another Deployment", () => {
    expect(memberFromPodName(deployments, "prod", "example-1-7d9f8b6c4d-x2k4q")).toBeUndefined();
    expect(memberFromPodName(deployments, "default", "example-3-7d9f8b6c4d-x2k4q")).toBeUndefined();
  });

  it("finds nothing when a cut name fits several Deployments", () => {
    const long = "d".repeat(60);
    const ambiguous: MemberDeployment[] = [
      { cluster: "a", namespace: "default", member: 1, deployment: `${long}-1` },
      { cluster: "a", namespace: "default", member: 2, deployment: `${long}-2` },
    ];
    expect(memberFromPodName(ambiguous, "default", `${"d".repeat(58)}x2k4q`)).toBeUndefined();
  });
});
