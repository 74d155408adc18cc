import { describe, expect, it } from "vitest";
import { ImageCatalog } from "../../src/images/image-catalog.js";
import { ImagePullBackoff, ImagePullError, pullImage } from "../../src/kubelet/image-pull.js";

describe("image pulls", () => {
  const catalog = new ImageCatalog([{ repositories: ["example.com/app"], entrypoint: ["app"] }]);

  it("gives the catalog's configuration, and nothing for a container without image", () => {
    expect(pullImage(catalog, "example.com/app:1")).toEqual({ entrypoint: ["app"], cmd: [] });
    expect(pullImage(catalog, undefined)).toBeUndefined();
  });

  it("fails with ErrImagePull for an image the catalog lacks and InvalidImageName for a malformed one", () => {
    expect(() => pullImage(catalog, "app")).toThrow(
      new ImagePullError(
        "ErrImagePull",
        'Failed to pull image "app": docker.io/library/app:latest: not found in the sandbox\'s image catalog',
      ),
    );
    let error: unknown;
    try {
      pullImage(catalog, "example.com/App");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ImagePullError);
    expect((error as ImagePullError).reason).toBe("InvalidImageName");
  });

  it("backs off base, 2x, 4x ... up to 30x base between pulls", () => {
    const backoff = new ImagePullBackoff(10);
    const delays = Array.from({ length: 8 }, () => backoff.nextDelay());
    expect(delays).toEqual([10, 20, 40, 80, 160, 300, 300, 300]);
    expect(() => new ImagePullBackoff(0)).toThrow(RangeError);
  });
});
