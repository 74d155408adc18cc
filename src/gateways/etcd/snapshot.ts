import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { Etcd3, ISnapshotResponse } from "etcd3";
import { connectionPool } from "./etcd3-gateway.js";

/** The generated gRPC client method etcd3 uses for snapshots. */
interface SnapshotCall {
  snapshot(
    request: object,
    metadata: unknown,
    options: { deadline: number },
  ): AsyncIterable<ISnapshotResponse> & { cancel(): void };
}

/**
 * Streams a snapshot from the member `client` talks to into `file`: written to `file.partial` (mode 0600,
 * it holds every key), synced, then renamed, so `file` is either complete or absent.
 */
export async function writeSnapshot(client: Etcd3, file: string, timeoutMs: number): Promise<{ bytes: number }> {
  const partial = `${file}.partial`;
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(partial, "w", 0o600);
  let stream: (AsyncIterable<ISnapshotResponse> & { cancel(): void }) | undefined;
  let bytes = 0;
  let remaining: string | undefined;
  try {
    try {
      // Not `maintenance.snapshot()`: see connectionPool.
      stream = await connectionPool(client).withConnection("Maintenance", ({ client: grpcClient, metadata }) =>
        (grpcClient as unknown as SnapshotCall).snapshot({}, metadata, { deadline: Date.now() + timeoutMs }),
      );
      for await (const message of stream) {
        if (message.blob.length > 0) {
          await handle.write(message.blob);
          bytes += message.blob.length;
        }
        remaining = String(message.remaining_bytes);
      }
      // etcd ends the stream with remaining_bytes 0 (the checksum chunk); anything else was cut short.
      if (bytes === 0 || remaining !== "0") {
        throw new Error(`snapshot stream ended early after ${bytes} bytes (remaining ${remaining ?? "unknown"})`);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partial, file);
    return { bytes };
  } catch (error) {
    stream?.cancel();
    await rm(partial, { force: true });
    throw error;
  }
}
