import { describe, expect, it } from "vitest";
import { parseConfig, type ParseConfigOptions } from "../../../src/core/config/load.js";
import { ConfigError } from "../../../src/core/errors.js";
import { filesFrom } from "../../support/config-files.js";

const SOURCE = "config.yaml";
const SLACK_URL = "https://hooks.slack.com/services/T0000/B0000/xxxxsecretxxxx";
const FILES = filesFrom({
  "/etc/responder/notifications/oncall/url": `${SLACK_URL}\n`,
  "/etc/responder/notifications/team/url": "http://team-hooks.internal:8080/etcd",
  "/etc/responder/blank": " \n",
  "/etc/responder/spaced": "https://a.example/x https://b.example/y",
  "/etc/responder/ftp": "ftp://files.example/secret-path",
});
const OPTIONS: ParseConfigOptions = { baseDir: "/etc/responder", readFile: FILES };

const TARGETS = `notifications:
  targets:
    - name: oncall
      format: slack
      urlFile: notifications/oncall/url
      events: [failed, refused, breakerTripped]
      linkTemplate: "https://responder.example/v1/recoveries/{id}"
    - name: team
      format: json
      urlFile: /etc/responder/notifications/team/url
`;

function config(text: string) {
  return parseConfig(text, SOURCE, OPTIONS);
}

function errorOf(text: string): string {
  try {
    config(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("expected a ConfigError");
}

describe("notifications in the configuration", () => {
  it("are off by default, with the documented defaults", () => {
    expect(config("clusters: [{ name: a, members: 1 }]").notifications).toEqual({
      targets: [],
      clusterTargets: { "default/a": [] },
      timeoutSeconds: 5,
      retry: { attempts: 5, backoffSeconds: 1, maxBackoffSeconds: 30 },
      queueSize: 100,
      shutdownGraceSeconds: 5,
    });
  });

  it("read each target's URL from its file, relative to the configuration, white space around it dropped", () => {
    const { notifications } = config(`clusters: [{ name: a, members: 1 }]\n${TARGETS}`);
    const [oncall, team] = notifications.targets;
    expect(oncall).toMatchObject({
      name: "oncall",
      format: "slack",
      url: SLACK_URL,
      events: ["failed", "refused", "breakerTripped"],
      linkTemplate: "https://responder.example/v1/recoveries/{id}",
    });
    expect(team).toMatchObject({ name: "team", format: "json", url: "http://team-hooks.internal:8080/etcd" });
    expect(team?.events).toEqual(["started", "succeeded", "skipped", "refused", "failed", "breakerTripped"]);
  });

  it("keep the URL out of JSON and logs", () => {
    const { notifications } = config(`clusters: [{ name: a, members: 1 }]\n${TARGETS}`);
    const text = JSON.stringify(notifications);
    expect(text).not.toContain("xxxxsecretxxxx");
    expect(text).not.toContain("team-hooks");
    expect(text).toContain('"url":"[redacted]"');
    expect(Object.keys(notifications.targets[0]!)).not.toContain("url");
  });

  it("go to every target unless the cluster or defaultTargets names others; [] means none", () => {
    const text = `clusters:
  - { name: a, members: 1 }
  - { name: b, members: 1, notifications: [team] }
  - { name: c, members: 1, notifications: [] }
${TARGETS}`;
    expect(config(text).notifications.clusterTargets).toEqual({
      "default/a": ["oncall", "team"],
      "default/b": ["team"],
      "default/c": [],
    });
    const withDefault = config(`${text}  defaultTargets: [oncall]\n`);
    expect(withDefault.notifications.clusterTargets["default/a"]).toEqual(["oncall"]);
    expect(withDefault.notifications.clusterTargets["default/b"]).toEqual(["team"]);
  });

  it("stop start-up naming the key of a missing, blank or non-http(s) URL file, never quoting its content", () => {
    const target = (urlFile: string) =>
      "clusters: [{ name: a, members: 1 }]\nnotifications:\n" +
      `  targets: [{ name: t, format: json, urlFile: ${urlFile} }]\n`;
    expect(errorOf(target("/nope"))).toBe(
      'config.yaml: notifications.targets[0].urlFile: cannot read "/nope": no such file',
    );
    expect(errorOf(target("blank"))).toBe(
      'config.yaml: notifications.targets[0].urlFile: "blank" is empty; expected the webhook URL',
    );
    expect(errorOf(target("spaced"))).toBe(
      'config.yaml: notifications.targets[0].urlFile: "spaced" holds white space inside; expected one http:// or ' +
        "https:// URL",
    );
    const ftp = errorOf(target("ftp"));
    expect(ftp).toBe(
      'config.yaml: notifications.targets[0].urlFile: "ftp" does not hold an http:// or https:// URL (its content is ' +
        "not shown: it is a secret)",
    );
    expect(ftp).not.toContain("secret-path");
  });

  it("refuse unknown target names, duplicate targets, unknown events, formats and link placeholders", () => {
    expect(errorOf(`clusters: [{ name: a, members: 1, notifications: [pager] }]\n${TARGETS}`)).toBe(
      'config.yaml: clusters[0].notifications[0]: no notification target "pager"; defined: oncall, team',
    );
    expect(errorOf(`clusters: [{ name: a, members: 1 }]\n${TARGETS}  defaultTargets: [pager]\n`)).toBe(
      'config.yaml: notifications.defaultTargets[0]: no notification target "pager"; defined: oncall, team',
    );
    expect(errorOf("clusters: [{ name: a, members: 1, notifications: [x] }]")).toBe(
      'config.yaml: clusters[0].notifications[0]: no notification target "x"; notifications.targets defines none',
    );
    const one = (fields: string) =>
      errorOf(
        "clusters: [{ name: a, members: 1 }]\nnotifications:\n  targets:\n" +
          `    - { name: t, urlFile: /etc/responder/notifications/team/url, ${fields} }\n`,
      );
    expect(one("format: teams")).toBe(
      'config.yaml: notifications.targets[0].format: expected slack or json, got "teams"',
    );
    expect(one("format: json, events: [crashed]")).toBe(
      "config.yaml: notifications.targets[0].events[0]: expected one of started, succeeded, skipped, refused, " +
        "failed, " +
        'breakerTripped, got "crashed"',
    );
    expect(one('format: json, linkTemplate: "https://r.example/{idx}"')).toBe(
      "config.yaml: notifications.targets[0].linkTemplate: unknown placeholder {idx}; use {id}, {cluster}, " +
        "{namespace}, {member}, {event}",
    );
    expect(one('format: json, linkTemplate: "/v1/recoveries/{id}"')).toBe(
      "config.yaml: notifications.targets[0].linkTemplate: expected an http:// or https:// URL template, got " +
        '"/v1/recoveries/{id}"',
    );
    expect(
      errorOf(
        `clusters: [{ name: a, members: 1 }]\n${TARGETS}` +
          "    - { name: team, format: json, urlFile: notifications/team/url }\n",
      ),
    ).toBe(
      'config.yaml: notifications.targets[2].name: duplicate notification target "team" ' +
        "(also notifications.targets[1])",
    );
  });
});
