import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../../src/core/config/load.js";
import { ConfigError, ResponderError } from "../../../src/core/errors.js";
import { CA_PEM, CERT_PEM, KEY_PEM, PASSWORD, SECRET_FILES, filesFrom } from "../../support/config-files.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "responder-config-"));
  await writeFile(join(dir, "ca.pem"), CA_PEM);
  await writeFile(join(dir, "client.pem"), CERT_PEM);
  await writeFile(join(dir, "client-key.pem"), KEY_PEM);
  await writeFile(join(dir, "password"), `${PASSWORD}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadConfig", () => {
  it("reads the file and the files it names, relative to its own directory", async () => {
    const path = join(dir, "config.yaml");
    await writeFile(
      path,
      `clusters:
  - name: example
    members: 3
    naming: { clientURL: "https://{name}{index}:2379" }
    tls: { caFile: ca.pem, certFile: client.pem, keyFile: client-key.pem }
    auth: { username: root, passwordFile: password }
`,
    );
    const config = await loadConfig(path);
    expect(config.catalog.clusters[0]?.tls?.key).toBe(KEY_PEM);
    expect(config.catalog.clusters[0]?.auth?.password).toBe(PASSWORD);
  });

  it("rejects a missing configuration file with a ConfigError naming it", async () => {
    const path = join(dir, "absent.yaml");
    await expect(loadConfig(path)).rejects.toThrow(ConfigError);
    await expect(loadConfig(path)).rejects.toThrow(`${path}: cannot read the configuration file: no such file`);
  });

  it("names the file in validation errors", async () => {
    const path = join(dir, "bad.yaml");
    await writeFile(path, "clusters:\n  - name: example\n    members: five\n");
    await expect(loadConfig(path)).rejects.toThrow(
      `${path}: clusters[0].members: expected a number from 1 to 9, got "five"`,
    );
  });

  it("rejects a missing TLS file", async () => {
    const path = join(dir, "missing-tls.yaml");
    await writeFile(
      path,
      'clusters: [{ name: a, members: 1, naming: { clientURL: "https://a{index}:2379" }, tls: { caFile: nope.pem } }]\n',
    );
    await expect(loadConfig(path)).rejects.toThrow(
      `${path}: clusters[0].tls.caFile: cannot read "${join(dir, "nope.pem")}": no such file`,
    );
  });
});

const SOURCE = "config.yaml";

/** The message of the ConfigError that parsing `text` throws. */
function errorOf(text: string, options = {}): ConfigError {
  try {
    parseConfig(text, SOURCE, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig defaults", () => {
  it("fills every default of a minimal cluster", () => {
    const config = parseConfig("clusters:\n  - name: example\n    members: 5\n", SOURCE);
    expect(config.recovery).toEqual({ deadAfterSeconds: 5, stepTimeoutSeconds: 120, leaseDurationSeconds: 15 });
    const [cluster] = config.catalog.clusters;
    expect(cluster).toMatchObject({
      name: "example",
      namespace: "default",
      useLearners: true,
      deleteClaim: "when-stale",
      snapshots: { enabled: true, dir: "/var/lib/etcd-responder/snapshots", keep: 3 },
    });
    expect(cluster?.clusterID).toBeUndefined();
    expect(cluster?.tls).toBeUndefined();
    expect(cluster?.auth).toBeUndefined();
    expect(cluster?.members.map((m) => m.index)).toEqual([1, 2, 3, 4, 5]);
  });

  it("takes deleteClaim for a cluster of Deployments, whose members may mount a claim", () => {
    const [cluster] = parseConfig("clusters: [{ name: a, members: 3, deleteClaim: always }]\n", SOURCE).catalog
      .clusters;
    expect(cluster?.deleteClaim).toBe("always");
  });

  it("names members the way the seed's Deployment template does", () => {
    const [cluster] = parseConfig("clusters:\n  - name: example\n    namespace: etcd\n    members: 3\n", SOURCE).catalog
      .clusters;
    expect(cluster?.members[2]).toEqual({
      index: 3,
      name: "example3",
      workload: { kind: "Deployment", name: "example-3", service: "example3" },
      clientURL: "http://example3.etcd.svc:2379",
      peerURL: "http://example3:2380",
    });
  });

  it("keeps explicit recovery settings", () => {
    const config = parseConfig(
      "clusters: [{ name: a, members: 1 }]\n" +
        "recovery: { deadAfterSeconds: 0.5, stepTimeoutSeconds: 30, leaseDurationSeconds: 20 }\n",
      SOURCE,
    );
    expect(config.recovery).toEqual({ deadAfterSeconds: 0.5, stepTimeoutSeconds: 30, leaseDurationSeconds: 20 });
  });
});

describe("parseConfig naming", () => {
  it("renders custom templates with {name}, {index} and {namespace}", () => {
    const text = `
clusters:
  - name: orders
    namespace: shop
    members: 2
    naming:
      deployment: "etcd-{name}-{index}"
      service: "{name}-etcd-{index}"
      clientURL: "https://{name}-etcd-{index}.{namespace}.svc.cluster.local:2379"
      peerURL: "https://{name}-etcd-{index}.{namespace}:2380"
      memberName: "{namespace}-{name}-{index}"
`;
    const [cluster] = parseConfig(text, SOURCE).catalog.clusters;
    expect(cluster?.members[1]).toEqual({
      index: 2,
      name: "shop-orders-2",
      workload: { kind: "Deployment", name: "etcd-orders-2", service: "orders-etcd-2" },
      clientURL: "https://orders-etcd-2.shop.svc.cluster.local:2379",
      peerURL: "https://orders-etcd-2.shop:2380",
    });
  });

  it("lets explicit member URLs override the templates, member by member", () => {
    const text = `
clusters:
  - name: example
    members: 3
    memberURLs:
      "1": { clientURL: "http://127.10.0.1:2379", peerURL: "http://127.10.0.1:2380" }
      "3": { peerURL: "http://127.10.0.3:2380" }
`;
    const [cluster] = parseConfig(text, SOURCE).catalog.clusters;
    expect(cluster?.members.map((m) => [m.clientURL, m.peerURL])).toEqual([
      ["http://127.10.0.1:2379", "http://127.10.0.1:2380"],
      ["http://example2.default.svc:2379", "http://example2:2380"],
      ["http://example3.default.svc:2379", "http://127.10.0.3:2380"],
    ]);
    expect(cluster?.members[0]?.workload).toEqual({ kind: "Deployment", name: "example-1", service: "example1" });
  });
});

describe("parseConfig StatefulSet clusters", () => {
  it("maps member N to Pod NAME-(N-1), named after its Pod, at its Pod DNS name under the headless Service", () => {
    const text = "clusters:\n  - { name: example, namespace: etcd, members: 3, statefulSet: {} }\n";
    const [cluster] = parseConfig(text, SOURCE).catalog.clusters;
    expect(cluster?.statefulSet).toEqual({
      name: "example",
      serviceName: "example-headless",
      volumeClaimTemplate: "data",
      joinsByItself: false,
    });
    expect(cluster?.deleteClaim).toBe("when-stale");
    expect(cluster?.members[2]).toEqual({
      index: 3,
      name: "example-2",
      workload: {
        kind: "StatefulSet",
        name: "example",
        serviceName: "example-headless",
        ordinal: 2,
        pod: "example-2",
        claim: "data-example-2",
      },
      clientURL: "http://example-2.example-headless.etcd.svc:2379",
      peerURL: "http://example-2.example-headless.etcd.svc:2380",
    });
  });

  it("takes the bitnami chart's names and templates with {ordinal}", () => {
    const text =
      "clusters:\n  - name: milvus\n    members: 3\n" +
      "    statefulSet: { name: milvus-etcd, serviceName: milvus-etcd-headless, deleteClaim: always }\n" +
      '    naming: { clientURL: "http://milvus-etcd-{ordinal}.{serviceName}.{namespace}.svc.cluster.local:2379" }\n';
    const [cluster] = parseConfig(text, SOURCE).catalog.clusters;
    expect(cluster?.deleteClaim).toBe("always");
    expect(cluster?.members.map((m) => [m.name, m.clientURL, m.peerURL])).toContainEqual([
      "milvus-etcd-1",
      "http://milvus-etcd-1.milvus-etcd-headless.default.svc.cluster.local:2379",
      "http://milvus-etcd-1.milvus-etcd-headless.default.svc:2380",
    ]);
  });

  it("refuses Deployment templates on a StatefulSet cluster and Pod placeholders on a Deployment cluster", () => {
    expect(
      errorOf('clusters: [{ name: a, members: 1, statefulSet: {}, naming: { deployment: "a-{index}" } }]').message,
    ).toBe(
      "config.yaml: clusters[0].naming.deployment: a StatefulSet runs this cluster's members; there is no Deployment " +
        "or Service per member to name",
    );
    expect(errorOf('clusters: [{ name: a, members: 1, naming: { memberName: "{pod}" } }]').message).toBe(
      "config.yaml: clusters[0].naming.memberName: {pod} is for StatefulSet clusters only; this cluster runs a " +
        "Deployment per member",
    );
    expect(
      errorOf("clusters: [{ name: a, members: 1, deleteClaim: always, statefulSet: { deleteClaim: always } }]").message,
    ).toBe(
      "config.yaml: clusters[0].statefulSet.deleteClaim: deleteClaim is given for the cluster already; give it in " +
        "one place only",
    );
    expect(errorOf("clusters: [{ name: a, members: 1, statefulSet: { deleteClaim: sometimes } }]").message).toBe(
      'config.yaml: clusters[0].statefulSet.deleteClaim: expected when-stale or always, got "sometimes"',
    );
  });
});

describe("parseConfig cluster ID, TLS and auth", () => {
  it("normalizes a pinned cluster ID to uint64 decimal", () => {
    const parse = (id: string) =>
      parseConfig(`clusters: [{ name: a, members: 1, clusterID: "${id}" }]`, SOURCE).catalog.clusters[0]?.clusterID;
    expect(parse("cdf818194e3a8c32")).toBe("14841639068965178418");
    expect(parse("0xCDF818194E3A8C32")).toBe("14841639068965178418");
    expect(parse("14841639068965178418")).toBe("14841639068965178418");
  });

  it("reads TLS material and the password from files, dropping the password file's trailing newline", () => {
    const text = `
clusters:
  - name: secure
    members: 1
    naming: { clientURL: "https://{name}{index}:2379" }
    tls: { caFile: ca.pem, certFile: client.pem, keyFile: /etc/responder/client-key.pem }
    auth: { username: root, passwordFile: password }
`;
    const [cluster] = parseConfig(text, SOURCE, { baseDir: "/etc/responder", readFile: SECRET_FILES }).catalog.clusters;
    expect(cluster?.tls?.ca).toBe(CA_PEM);
    expect(cluster?.tls?.cert).toBe(CERT_PEM);
    expect(cluster?.tls?.key).toBe(KEY_PEM);
    expect(cluster?.auth?.username).toBe("root");
    expect(cluster?.auth?.password).toBe(PASSWORD);
  });

  it("accepts TLS with a CA only", () => {
    const text = `clusters: [{ name: a, members: 1, naming: { clientURL: "https://a{index}:2379" }, tls: { caFile: /etc/responder/ca.pem } }]`;
    const [cluster] = parseConfig(text, SOURCE, { readFile: SECRET_FILES }).catalog.clusters;
    expect(cluster?.tls).toEqual({ ca: CA_PEM });
  });
});

describe("parseConfig errors", () => {
  it("is a ConfigError, not retryable, naming the file, the key path and the bad value", () => {
    const error = errorOf("clusters:\n  - name: example\n    members: five\n");
    expect(error).toBeInstanceOf(ResponderError);
    expect(error.retryable).toBe(false);
    expect(error.name).toBe("ConfigError");
    expect(error.keyPath).toBe("clusters[0].members");
    expect(error.source).toBe(SOURCE);
    expect(error.message).toBe('config.yaml: clusters[0].members: expected a number from 1 to 9, got "five"');
  });

  it("rejects a member count out of range", () => {
    expect(errorOf("clusters: [{ name: a, members: 10 }]").message).toBe(
      "config.yaml: clusters[0].members: expected a number from 1 to 9, got 10",
    );
  });

  it("says which required key is missing", () => {
    expect(errorOf("clusters: [{ name: a }]").message).toBe(
      "config.yaml: clusters[0].members: missing; expected a number from 1 to 9",
    );
  });

  it("rejects an unknown key, naming it", () => {
    const error = errorOf("clusters:\n  - name: a\n    members: 3\n    memebrs: 5\n");
    expect(error.message).toBe("config.yaml: clusters[0].memebrs: unknown key");
    expect(errorOf("clusters: [{ name: a, members: 3 }]\nrecovery: { stepTimeout: 5 }\n").message).toBe(
      "config.yaml: recovery.stepTimeout: unknown key",
    );
    expect(errorOf("clusters: [{ name: a, members: 3 }]\nextra: 1\n").message).toBe("config.yaml: extra: unknown key");
  });

  it("rejects a name that is not a DNS-1123 label", () => {
    expect(errorOf("clusters: [{ name: Example_1, members: 3 }]").message).toMatch(
      /^config\.yaml: clusters\[0\]\.name: expected a DNS-1123 label .*, got "Example_1"$/,
    );
  });

  it("rejects a duplicate cluster in the same namespace but allows the name in another", () => {
    const text = [
      "clusters:",
      "  - { name: a, members: 3 }",
      "  - { name: a, namespace: other, members: 3 }",
      "  - { name: a, members: 5 }",
      "",
    ].join("\n");
    const error = errorOf(text);
    expect(error.message).toBe(
      'config.yaml: clusters[2].name: duplicate cluster "a" in namespace "default" (also clusters[0])',
    );
    expect(error.keyPath).toBe("clusters[2].name");
  });

  it("rejects an unknown template placeholder", () => {
    expect(errorOf('clusters: [{ name: a, members: 3, naming: { deployment: "{name}-{idx}" } }]').message).toBe(
      "config.yaml: clusters[0].naming.deployment: unknown placeholder {idx}; use {name}, {index} or {namespace} " +
        "(StatefulSet clusters also {ordinal}, {pod}, {serviceName})",
    );
    expect(errorOf('clusters: [{ name: a, members: 3, naming: { service: "{name}{index" } }]').message).toBe(
      "config.yaml: clusters[0].naming.service: unmatched { or }; " +
        "placeholders are written {name}, {index} or {namespace} (StatefulSet clusters also {ordinal}, {pod}, " +
        "{serviceName})",
    );
  });

  it("rejects templates that give two members the same name or URL", () => {
    expect(errorOf('clusters: [{ name: a, members: 3, naming: { peerURL: "http://{name}:2380" } }]').message).toBe(
      'config.yaml: clusters[0].naming.peerURL: gives the same value "http://a:2380" to members 1 and 2; include {index}',
    );
  });

  it("rejects rendered names Kubernetes would refuse and URLs that are not http(s)", () => {
    expect(errorOf('clusters: [{ name: a, members: 1, naming: { service: "{name}.{index}" } }]').message).toBe(
      'config.yaml: clusters[0].naming.service: renders "a.1" for member 1, ' +
        "which is not a valid Service name (DNS-1123 label)",
    );
    expect(errorOf('clusters: [{ name: a, members: 1, naming: { clientURL: "{name}{index}:2379" } }]').message).toBe(
      'config.yaml: clusters[0].naming.clientURL: renders "a1:2379" for member 1, which is not an http:// or https:// URL',
    );
  });

  it("rejects member URLs for an index the cluster does not have, and bad explicit URLs", () => {
    expect(
      errorOf('clusters: [{ name: a, members: 3, memberURLs: { "4": { peerURL: "http://x:2380" } } }]').message,
    ).toBe('config.yaml: clusters[0].memberURLs["4"]: expected a member index from 1 to 3');
    expect(errorOf('clusters: [{ name: a, members: 3, memberURLs: { "1": { peerURL: "x:2380" } } }]').message).toBe(
      'config.yaml: clusters[0].memberURLs["1"].peerURL: expected an http:// or https:// URL, got "x:2380"',
    );
    expect(
      errorOf('clusters: [{ name: a, members: 3, memberURLs: { "1": { peerURL: "http://x:2380", port: 1 } } }]')
        .message,
    ).toBe('config.yaml: clusters[0].memberURLs["1"].port: unknown key');
  });

  it("rejects a missing TLS file, naming the key and the path", () => {
    const text =
      'clusters: [{ name: a, members: 1, naming: { clientURL: "https://a{index}:2379" }, tls: { caFile: /etc/responder/missing.pem } }]';
    const error = errorOf(text, { readFile: SECRET_FILES });
    expect(error.message).toBe(
      'config.yaml: clusters[0].tls.caFile: cannot read "/etc/responder/missing.pem": no such file',
    );
    expect(error.keyPath).toBe("clusters[0].tls.caFile");
  });

  it("rejects a TLS file that holds no PEM, a lone certFile, and plain http with TLS", () => {
    const readFile = filesFrom({ "/ca.pem": "not a certificate" });
    expect(
      errorOf(
        'clusters: [{ name: a, members: 1, naming: { clientURL: "https://a{index}:2379" }, tls: { caFile: /ca.pem } }]',
        { readFile },
      ).message,
    ).toBe('config.yaml: clusters[0].tls.caFile: "/ca.pem" does not hold a PEM certificate');
    expect(errorOf("clusters: [{ name: a, members: 1, tls: { caFile: /ca.pem, certFile: /c.pem } }]").message).toBe(
      "config.yaml: clusters[0].tls.keyFile: certFile and keyFile go together; give both or neither",
    );
    expect(
      errorOf("clusters: [{ name: a, members: 1, tls: { caFile: /etc/responder/ca.pem } }]", { readFile: SECRET_FILES })
        .message,
    ).toBe(
      'config.yaml: clusters[0].naming.clientURL: member 1 has the plain http client URL "http://a1.default.svc:2379" although tls is configured; use https://',
    );
  });

  it("rejects a missing or empty password file", () => {
    expect(
      errorOf("clusters: [{ name: a, members: 1, auth: { username: root, passwordFile: /nope } }]", {
        readFile: SECRET_FILES,
      }).message,
    ).toBe('config.yaml: clusters[0].auth.passwordFile: cannot read "/nope": no such file');
    const readFile = filesFrom({ "/empty": "\n" });
    expect(
      errorOf("clusters: [{ name: a, members: 1, auth: { username: root, passwordFile: /empty } }]", { readFile })
        .message,
    ).toBe("config.yaml: clusters[0].auth.passwordFile: the password file is empty");
  });

  it("rejects a bad cluster ID and asks for quotes around a bare number", () => {
    expect(errorOf('clusters: [{ name: a, members: 1, clusterID: "xyz" }]').message).toBe(
      "config.yaml: clusters[0].clusterID: " +
        'expected a non-zero 64-bit cluster ID in hex (e.g. "a1b2c3d4e5f60718") or decimal, got "xyz"',
    );
    expect(errorOf("clusters: [{ name: a, members: 1, clusterID: 1234 }]").message).toMatch(
      /^config\.yaml: clusters\[0\]\.clusterID: expected the cluster ID as a quoted string, .*, got 1234$/,
    );
  });

  it("reports a YAML syntax error with its line and column", () => {
    const error = errorOf("clusters:\n  - name: a\n    members: [3\n");
    expect(error.keyPath).toBe("");
    expect(error.message).toMatch(/^config\.yaml: line \d+, column \d+: /);
    expect(errorOf("clusters:\n  - name: a\n    name: b\n    members: 3\n").message).toBe(
      "config.yaml: line 3, column 5: Map keys must be unique",
    );
  });

  it("reports an empty file, an empty cluster list and a wrong top-level type", () => {
    expect(errorOf("").message).toBe("config.yaml: the file is empty; expected a mapping with a `clusters` list");
    expect(errorOf("clusters: []").message).toBe("config.yaml: clusters: expected at least one cluster");
    expect(errorOf("clusters: example").message).toBe(
      'config.yaml: clusters: expected a list of clusters, got "example"',
    );
  });

  it("lists every problem, one per line, the first one in keyPath", () => {
    const error = errorOf("clusters:\n  - name: A\n    members: 0\nrecovery: { deadAfterSeconds: -1 }\n");
    expect(error.problems.map((p) => p.keyPath)).toEqual([
      "clusters[0].name",
      "clusters[0].members",
      "recovery.deadAfterSeconds",
    ]);
    expect(error.message.split("\n")).toHaveLength(3);
    expect(error.keyPath).toBe("clusters[0].name");
  });
});

const CLUSTERS = "clusters:\n  - name: a\n    members: 3\n";

describe("service settings", () => {
  it("defaults every field when the section is absent", () => {
    const config = parseConfig(CLUSTERS, SOURCE);
    expect(config.service).toEqual({
      alertNames: ["KubePodCrashLooping"],
      defaultMode: "act",
      history: { maxRecoveries: 1000, maxAgeHours: 168 },
      circuitBreaker: { failures: 3, windowMinutes: 60 },
      retry: { attempts: 5, backoffSeconds: 2 },
      sweep: { enabled: false, intervalSeconds: 60 },
    });
    expect(config.catalog.clusters[0]?.mode).toBeUndefined();
    expect("mode" in (config.catalog.clusters[0] ?? {})).toBe(false);
  });

  it("defaults the fields a partial section leaves out", () => {
    const config = parseConfig(
      `${CLUSTERS}service:\n  defaultMode: observe\n  retry: { attempts: 2 }\n  sweep: { enabled: true }\n`,
      SOURCE,
    );
    expect(config.service).toMatchObject({
      defaultMode: "observe",
      retry: { attempts: 2, backoffSeconds: 2 },
      sweep: { enabled: true, intervalSeconds: 60 },
      history: { maxRecoveries: 1000, maxAgeHours: 168 },
    });
  });

  it("keeps every field given", () => {
    const text = `${CLUSTERS}service:
  alertNames: [KubePodCrashLooping, EtcdMemberDown]
  defaultMode: paused
  history: { maxRecoveries: 10, maxAgeHours: 1.5 }
  circuitBreaker: { failures: 5, windowMinutes: 30 }
  retry: { attempts: 1, backoffSeconds: 0.5 }
  sweep: { enabled: true, intervalSeconds: 15 }
`;
    expect(parseConfig(text, SOURCE).service).toEqual({
      alertNames: ["KubePodCrashLooping", "EtcdMemberDown"],
      defaultMode: "paused",
      history: { maxRecoveries: 10, maxAgeHours: 1.5 },
      circuitBreaker: { failures: 5, windowMinutes: 30 },
      retry: { attempts: 1, backoffSeconds: 0.5 },
      sweep: { enabled: true, intervalSeconds: 15 },
    });
  });

  it("reads a cluster's own mode", () => {
    const config = parseConfig(
      "clusters:\n  - { name: a, members: 1, mode: observe }\n  - { name: b, members: 1 }\n",
      SOURCE,
    );
    expect(config.catalog.clusters.map((c) => c.mode)).toEqual(["observe", undefined]);
  });

  it("names the key of every bad value", () => {
    expect(errorOf(`${CLUSTERS}service:\n  defaultMode: fix\n`).message).toBe(
      'config.yaml: service.defaultMode: expected act, observe or paused, got "fix"',
    );
    expect(errorOf("clusters:\n  - { name: a, members: 1, mode: on }\n").message).toBe(
      'config.yaml: clusters[0].mode: expected act, observe or paused, got "on"',
    );
    expect(errorOf(`${CLUSTERS}service:\n  retry: { attempts: 0 }\n`).message).toBe(
      "config.yaml: service.retry.attempts: expected a whole number from 1 to 100, got 0",
    );
    expect(errorOf(`${CLUSTERS}service:\n  retry: { backoffSeconds: -1 }\n`).message).toBe(
      "config.yaml: service.retry.backoffSeconds: expected a number of seconds greater than 0, got -1",
    );
    expect(errorOf(`${CLUSTERS}service:\n  history: { maxRecoveries: 2.5 }\n`).message).toBe(
      "config.yaml: service.history.maxRecoveries: expected a whole number from 1 to 1000000, got 2.5",
    );
    expect(errorOf(`${CLUSTERS}service:\n  circuitBreaker: { windowMinutes: 0 }\n`).message).toBe(
      "config.yaml: service.circuitBreaker.windowMinutes: expected a number of minutes greater than 0, got 0",
    );
    expect(errorOf(`${CLUSTERS}service:\n  alertNames: []\n`).message).toBe(
      "config.yaml: service.alertNames: expected at least one alert name",
    );
    expect(errorOf(`${CLUSTERS}service:\n  alertNames: [""]\n`).message).toBe(
      'config.yaml: service.alertNames[0]: expected an alert name, got ""',
    );
    expect(errorOf(`${CLUSTERS}service:\n  sweep: { enabled: yes please }\n`).message).toBe(
      'config.yaml: service.sweep.enabled: expected true or false, got "yes please"',
    );
  });

  it("rejects unknown keys, naming them", () => {
    expect(errorOf(`${CLUSTERS}service:\n  retries: 3\n`).message).toBe("config.yaml: service.retries: unknown key");
    expect(errorOf(`${CLUSTERS}service:\n  history: { max: 3 }\n`).message).toBe(
      "config.yaml: service.history.max: unknown key",
    );
  });
});
