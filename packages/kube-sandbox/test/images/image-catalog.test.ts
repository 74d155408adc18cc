import { describe, expect, it } from "vitest";
import { catalogWithBuiltIns } from "../../src/images/built-in-images.js";
import { ImageCatalog, ImageEntryError } from "../../src/images/image-catalog.js";
import { parseImageReference } from "../../src/images/image-reference.js";
import { parseRepositoryPattern } from "../../src/images/repository-pattern.js";

const DIGEST = `sha256:${"0f".repeat(32)}`;
const find = (catalog: ImageCatalog, image: string) => catalog.find(parseImageReference(image));
const covers = (pattern: string, image: string) => parseRepositoryPattern(pattern).matches(parseImageReference(image));

describe("repository patterns", () => {
  it("match a repository name once both are normalized, never by substring", () => {
    expect(covers("redis", "docker.io/library/redis:7")).toBe(true);
    expect(covers("docker.io/library/redis", "redis")).toBe(true);
    expect(covers("bitnami/redis", "docker.io/bitnami/redis:7.2")).toBe(true);
    expect(covers("redis", "bitnami/redis")).toBe(false);
    expect(covers("etcd", "etcd-responder:0.1.0")).toBe(false);
    expect(covers("quay.io/coreos/etcd", "registry.k8s.io/etcd:3.5.9-0")).toBe(false);
  });

  it("match by last path components, in any registry, with **/", () => {
    expect(covers("**/etcd", "quay.io/coreos/etcd:v3.4.23")).toBe(true);
    expect(covers("**/etcd", "registry.k8s.io/etcd:3.5.9-0")).toBe(true);
    expect(covers("**/etcd", "bitnami/etcd:3.5")).toBe(true);
    expect(covers("**/etcd", "etcd")).toBe(true);
    expect(covers("**/etcd", "etcd-responder:0.1.0")).toBe(false);
    expect(covers("**/etcd", "coreos/etcd-operator")).toBe(false);
    expect(covers("**/etcd", "quay.io/etcd/tools")).toBe(false);
    expect(covers("**/curlimages/curl", "curlimages/curl:8.11.1")).toBe(true);
    expect(covers("**/curlimages/curl", "curl")).toBe(false);
  });

  it("refuse what is neither a repository name nor **/ with path components", () => {
    expect(() => parseRepositoryPattern("etcd:3.5")).toThrow(/invalid reference format/);
    expect(() => parseRepositoryPattern("**/Etcd")).toThrow(/\*\* followed by repository path components/);
    expect(() => parseRepositoryPattern("*etcd")).toThrow(/invalid reference format/);
  });
});

describe("the image catalog", () => {
  it("gives the first covering entry's ENTRYPOINT and CMD, any tag or digest unless the entry names tags", () => {
    const catalog = new ImageCatalog([
      { repositories: ["example.com/app"], tags: ["1.0", "1.1"], entrypoint: ["app"], cmd: ["--pinned"] },
      { repositories: ["example.com/app", "**/tool"], entrypoint: ["app"] },
    ]);
    expect(find(catalog, "example.com/app:1.1")).toEqual({ entrypoint: ["app"], cmd: ["--pinned"] });
    expect(find(catalog, "example.com/app:2.0")).toEqual({ entrypoint: ["app"], cmd: [] });
    expect(find(catalog, `example.com/app@${DIGEST}`)).toEqual({ entrypoint: ["app"], cmd: [] });
    expect(find(catalog, "example.com/app")).toEqual({ entrypoint: ["app"], cmd: [] });
    expect(find(catalog, "registry.local/team/tool:3")).toEqual({ entrypoint: ["app"], cmd: [] });
    expect(find(catalog, "example.com/other:1.0")).toBeUndefined();
  });

  it("refuses an entry without repositories or with a bad pattern or tag, naming its position", () => {
    expect(() => new ImageCatalog([{ repositories: [] }])).toThrow(
      new ImageEntryError("image entry 0: no repositories"),
    );
    expect(() => new ImageCatalog([{ repositories: ["a"] }, { repositories: ["A"] }])).toThrow(
      /^image entry 1: couldn't parse image name "A": repository name must be lowercase$/,
    );
    expect(() => new ImageCatalog([{ repositories: ["a"], tags: ["-x"] }])).toThrow('image entry 0: invalid tag "-x"');
  });

  it("has etcd, Redis and tool images built in, and the responder's image is none of them", () => {
    const catalog = catalogWithBuiltIns();
    for (const etcd of ["quay.io/coreos/etcd:v3.4.23", "registry.k8s.io/etcd:3.5.9-0", "bitnami/etcd:3.5"]) {
      expect(find(catalog, etcd)).toEqual({ entrypoint: [], cmd: ["/usr/local/bin/etcd"] });
    }
    for (const redis of ["docker.io/library/redis:7", "redis", "bitnami/redis"]) {
      expect(find(catalog, redis)?.cmd).toEqual(["redis-server"]);
    }
    expect(find(catalog, "busybox:1.36")).toEqual({ entrypoint: [], cmd: ["sh"] });
    expect(find(catalog, "curlimages/curl:8.11.1")?.cmd).toEqual(["curl"]);
    expect(find(catalog, "etcd-responder:0.1.0")).toBeUndefined();
  });

  it("puts the user's entries before the built-in ones", () => {
    const catalog = catalogWithBuiltIns([{ repositories: ["redis"], cmd: ["my-redis"] }]);
    expect(find(catalog, "redis:7")).toEqual({ entrypoint: [], cmd: ["my-redis"] });
    expect(find(catalog, "bitnami/redis")?.cmd).toEqual(["redis-server"]);
  });
});
