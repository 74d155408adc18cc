import type { V1PodSpec } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { dataClaimOf } from "../../../src/recovery/decisions/data-claim.js";

/** A template whose etcd container mounts `data` at /var/lib/etcd and `backup` at /backup. */
function template(args: string[], volumes: V1PodSpec["volumes"], env?: { name: string; value: string }[]): V1PodSpec {
  return {
    containers: [
      {
        name: "etcd",
        image: "etcd",
        args: ["etcd", "--initial-cluster=a=http://a:2380", ...args],
        ...(env ? { env } : {}),
        volumeMounts: [
          { name: "data", mountPath: "/var/lib/etcd" },
          { name: "backup", mountPath: "/backup" },
        ],
      },
    ],
    volumes,
  };
}

const onClaims = [
  { name: "data", persistentVolumeClaim: { claimName: "example-3-data" } },
  { name: "backup", persistentVolumeClaim: { claimName: "example-3-backup" } },
];

describe("dataClaimOf", () => {
  it("finds the claim mounted where the data dir is, by flag or by environment", () => {
    expect(dataClaimOf(template(["--data-dir=/var/lib/etcd/default.etcd"], onClaims))).toBe("example-3-data");
    expect(dataClaimOf(template(["--data-dir", "/backup/etcd"], onClaims))).toBe("example-3-backup");
    const env = [{ name: "ETCD_DATA_DIR", value: "/var/lib/etcd" }];
    expect(dataClaimOf(template([], onClaims, env))).toBe("example-3-data");
  });

  it("finds none when the data dir is on an emptyDir, or there is no claim at all", () => {
    const dataOnEmptyDir = [{ name: "data", emptyDir: {} }, onClaims[1]!];
    expect(dataClaimOf(template(["--data-dir=/var/lib/etcd/default.etcd"], dataOnEmptyDir))).toBeUndefined();
    expect(dataClaimOf(template([], [{ name: "data", emptyDir: {} }]))).toBeUndefined();
    expect(dataClaimOf(undefined)).toBeUndefined();
  });

  it("takes the only claim the etcd container mounts when no data dir is given, and none of several", () => {
    expect(dataClaimOf(template([], [onClaims[0]!, { name: "backup", emptyDir: {} }]))).toBe("example-3-data");
    expect(dataClaimOf(template([], onClaims))).toBeUndefined();
  });
});
