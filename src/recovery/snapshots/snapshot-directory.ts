import { readdir, rm } from "node:fs/promises";

/** Where snapshot files live: listed to prune old ones. */
export interface SnapshotDirectory {
  /** File names in `dir`; empty when it does not exist. */
  list(dir: string): Promise<string[]>;
  /** Deletes a file; a missing file is fine. */
  remove(path: string): Promise<void>;
}

/** The local file system. */
export const localSnapshotDirectory: SnapshotDirectory = {
  async list(dir) {
    try {
      return await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  },
  remove: (path) => rm(path, { force: true }),
};
