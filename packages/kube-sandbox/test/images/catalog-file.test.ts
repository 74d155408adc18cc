import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ImageCatalogFileError, loadImageCatalogFile } from "../../src/images/catalog-file.js";

describe("image catalog files", () => {
  const dir = mkdtempSync(join(tmpdir(), "image-catalog-file-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("reads entries from YAML and from JSON", () => {
    const yaml = file(
      "images.yaml",
      [
        "images:",
        "  - repositories: [etcd-responder, registry.local/team/etcd-responder]",
        "    tags: ['0.1.0']",
        "    entrypoint: [node, /srv/app/dist/cli.js]",
        "    cmd: [all, --config, /etc/app/config.yaml]",
        "  - repositories: ['**/tools']",
        "",
      ].join("\n"),
    );
    expect(loadImageCatalogFile(yaml)).toEqual([
      {
        repositories: ["etcd-responder", "registry.local/team/etcd-responder"],
        tags: ["0.1.0"],
        entrypoint: ["node", "/srv/app/dist/cli.js"],
        cmd: ["all", "--config", "/etc/app/config.yaml"],
      },
      { repositories: ["**/tools"] },
    ]);
    const json = file(
      "images.json",
      JSON.stringify({ images: [{ repositories: ["sleeper"], entrypoint: ["sleep"] }] }),
    );
    expect(loadImageCatalogFile(json)).toEqual([{ repositories: ["sleeper"], entrypoint: ["sleep"] }]);
  });

  it.each([
    ["empty.yaml", "", 'top level: must be a mapping with an "images" list'],
    ["list.yaml", "- repositories: [a]\n", 'top level: must be a mapping with an "images" list'],
    ["extra.yaml", "images: []\nimage: []\n", 'top level: unknown field "image" (allowed: images)'],
    ["not-list.yaml", "images: {}\n", "images: must be a list of image entries"],
    ["scalar.yaml", "images: [etcd]\n", "images[0]: must be a mapping"],
    ["typo.yaml", "images: [{repositories: [a], entrypiont: [x]}]\n", 'images[0]: unknown field "entrypiont"'],
    ["no-repos.yaml", "images: [{cmd: [x]}]\n", "images[0].repositories: must be a non-empty list"],
    ["empty-repos.yaml", "images: [{repositories: []}]\n", "images[0].repositories: must be a non-empty list"],
    ["word.yaml", "images: [{repositories: [a], cmd: sleep 1}]\n", "images[0].cmd: must be a list of strings"],
    ["number.yaml", "images: [{repositories: [a], tags: [1.5]}]\n", "images[0].tags: must be a list of strings"],
    ["pattern.yaml", "images: [{repositories: [a], tags: ['1']}, {repositories: ['Bad']}]\n", "image entry 1:"],
    ["broken.yaml", "images: [\n", "neither YAML nor JSON:"],
  ])("refuses %s with one line naming the file and the field", (name, text, message) => {
    const path = file(name, text);
    let error: unknown;
    try {
      loadImageCatalogFile(path);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ImageCatalogFileError);
    expect((error as Error).message.startsWith(`${path}: `)).toBe(true);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain("\n");
  });

  it("says when the file cannot be read", () => {
    const missing = join(dir, "missing.yaml");
    expect(() => loadImageCatalogFile(missing)).toThrow(
      new ImageCatalogFileError(`${missing}: cannot be read (ENOENT)`),
    );
  });
});
