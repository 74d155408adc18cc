import { afterAll, afterEach, beforeAll } from "vitest";
import { startRedis, type TestRedis } from "./redis-server.js";

/** A test file's Redis, and what its tests opened on it. */
export interface RedisTestFile {
  /** The file's server: its URL once the file's tests run. */
  readonly redis: { readonly url: string };
  /** What a test opened (queues, workers, connections); closed after each test, the last opened first. */
  readonly closers: (() => Promise<unknown>)[];
}

/**
 * Starts a Redis before the file's tests and stops it after them, also when a test failed; closes what each test
 * registered in `closers` after it. Call it at the top level of the test file.
 */
export function redisForTestFile(): RedisTestFile {
  let server: TestRedis | undefined;
  const closers: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    redis: {
      get url() {
        if (!server) throw new Error("the test file's Redis is not started yet: read its URL inside a test");
        return server.url;
      },
    },
    closers,
  };
}
