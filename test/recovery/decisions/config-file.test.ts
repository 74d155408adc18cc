import { describe, expect, it } from "vitest";
import { configFileOf } from "../../../src/recovery/decisions/config-file.js";

describe("configFileOf", () => {
  it("finds --config-file in args, in command and inside a shell script", () => {
    expect(configFileOf({ name: "etcd", args: ["--config-file=/etc/etcd.yaml"] })).toEqual({
      setting: "--config-file",
      file: "/etc/etcd.yaml",
    });
    expect(configFileOf({ name: "etcd", command: ["etcd", "-config-file", "/etc/etcd.yaml"] })?.file).toBe(
      "/etc/etcd.yaml",
    );
    expect(
      configFileOf({ name: "etcd", command: ["sh", "-c", "exec etcd --config-file='/etc/e.yaml' --debug"] }),
    ).toEqual({
      setting: "--config-file",
      file: "/etc/e.yaml",
    });
  });

  it("finds ETCD_CONFIG_FILE, with its file or taken from elsewhere", () => {
    expect(configFileOf({ name: "etcd", env: [{ name: "ETCD_CONFIG_FILE", value: "/etc/e.yaml" }] })).toEqual({
      setting: "ETCD_CONFIG_FILE",
      file: "/etc/e.yaml",
    });
    const fromMap = { configMapKeyRef: { name: "etcd", key: "file" } };
    expect(configFileOf({ name: "etcd", env: [{ name: "ETCD_CONFIG_FILE", valueFrom: fromMap }] })).toEqual({
      setting: "ETCD_CONFIG_FILE",
    });
  });

  it("finds the bitnami chart's configuration, mounted where the image's start script passes it to etcd", () => {
    const volumeMounts = [
      { name: "data", mountPath: "/bitnami/etcd" },
      { name: "etcd-config", mountPath: "/opt/bitnami/etcd/conf/" },
    ];
    expect(configFileOf({ name: "etcd", volumeMounts })).toEqual({
      setting: "a configuration file from a volume at the bitnami image's configuration directory",
      file: "/opt/bitnami/etcd/conf/",
    });
    expect(configFileOf({ name: "etcd", volumeMounts: [volumeMounts[0]!] })).toBeUndefined();
  });

  it("finds none in a container set by flags and variables alone, or with an empty variable", () => {
    const env = [
      { name: "ETCD_INITIAL_CLUSTER", value: "a=http://a:2380" },
      { name: "ETCD_CONFIG_FILE", value: "" },
    ];
    expect(
      configFileOf({ name: "etcd", args: ["--initial-cluster=a=http://a:2380", "--config"], env }),
    ).toBeUndefined();
  });
});
