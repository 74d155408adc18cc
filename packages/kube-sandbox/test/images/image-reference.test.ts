import { describe, expect, it } from "vitest";
import {
  formatImageReference,
  InvalidImageReferenceError,
  parseImageReference,
} from "../../src/images/image-reference.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("image references", () => {
  it.each([
    ["quay.io/coreos/etcd:v3.4.23", { registry: "quay.io", path: "coreos/etcd", tag: "v3.4.23" }],
    ["registry.k8s.io/etcd:3.5.9-0", { registry: "registry.k8s.io", path: "etcd", tag: "3.5.9-0" }],
    ["bitnami/etcd:3.5", { registry: "docker.io", path: "bitnami/etcd", tag: "3.5" }],
    ["docker.io/library/redis:7", { registry: "docker.io", path: "library/redis", tag: "7" }],
    ["index.docker.io/library/redis:7", { registry: "docker.io", path: "library/redis", tag: "7" }],
    ["redis", { registry: "docker.io", path: "library/redis", tag: "latest" }],
    ["bitnami/redis", { registry: "docker.io", path: "bitnami/redis", tag: "latest" }],
    ["localhost:5000/team/app:1.0", { registry: "localhost:5000", path: "team/app", tag: "1.0" }],
    ["localhost/app", { registry: "localhost", path: "app", tag: "latest" }],
    ["my-registry:5000/app", { registry: "my-registry:5000", path: "app", tag: "latest" }],
    [`etcd@${DIGEST}`, { registry: "docker.io", path: "library/etcd", digest: DIGEST }],
    [`quay.io/coreos/etcd:v3.4@${DIGEST}`, { registry: "quay.io", path: "coreos/etcd", tag: "v3.4", digest: DIGEST }],
    ["etcd-responder:0.1.0", { registry: "docker.io", path: "library/etcd-responder", tag: "0.1.0" }],
  ])("parses %s as a runtime normalizes it", (text, expected) => {
    expect(parseImageReference(text)).toEqual(expected);
  });

  it.each([
    ["", "repository name must have at least one component"],
    ["Redis", "repository name must be lowercase"],
    ["redis:", "invalid tag"],
    ["redis:-x", "invalid tag"],
    ["redis@sha256:xyz", "invalid digest"],
    ["team//app", "invalid reference format"],
    ["app_-x", "invalid reference format"],
    ["etcd latest", "invalid reference format"],
    [`${"a".repeat(256)}`, "repository name must not be more than 255 characters"],
  ])("refuses %j: %s", (text, reason) => {
    expect(() => parseImageReference(text)).toThrow(new InvalidImageReferenceError(text, reason));
  });

  it("writes a reference out in full", () => {
    expect(formatImageReference(parseImageReference("redis"))).toBe("docker.io/library/redis:latest");
    expect(formatImageReference(parseImageReference(`quay.io/coreos/etcd@${DIGEST}`))).toBe(
      `quay.io/coreos/etcd@${DIGEST}`,
    );
  });
});
