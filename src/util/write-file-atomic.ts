import { rename, writeFile } from "node:fs/promises";

/** Writes a file so that a reader sees either the old content or all of the new one, never a part. */
export async function writeFileAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, content, { mode });
  await rename(partial, path);
}
