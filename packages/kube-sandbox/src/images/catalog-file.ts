import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { ImageCatalog, ImageEntryError, type ImageEntry } from "./image-catalog.js";

/** An image catalog file that cannot be read or used; its message names the file and the field. */
export class ImageCatalogFileError extends Error {
  override readonly name = "ImageCatalogFileError";

  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, ImageCatalogFileError.prototype);
  }
}

const ENTRY_FIELDS = ["repositories", "tags", "entrypoint", "cmd", "hostPaths"] as const;

/**
 * Reads image catalog entries from a YAML or JSON file:
 * `{ images: [ { repositories, tags?, entrypoint?, cmd?, hostPaths? } ] }` (see `ImageEntry`). Throws
 * `ImageCatalogFileError` for a file that is missing, not YAML or JSON, has a field of the wrong type or an unknown
 * one, or an entry the catalog refuses.
 */
export function loadImageCatalogFile(file: string): ImageEntry[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ImageCatalogFileError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    const firstLine = (error as Error).message.split("\n")[0] ?? "";
    throw new ImageCatalogFileError(`${file}: neither YAML nor JSON: ${firstLine}`);
  }
  const entries = readEntries(document, (where, problem) => new ImageCatalogFileError(`${file}: ${where}: ${problem}`));
  try {
    new ImageCatalog(entries);
  } catch (error) {
    if (!(error instanceof ImageEntryError)) throw error;
    throw new ImageCatalogFileError(`${file}: ${error.message}`);
  }
  return entries;
}

type Problem = (where: string, problem: string) => Error;

function readEntries(document: unknown, problem: Problem): ImageEntry[] {
  if (!isRecord(document)) throw problem("top level", 'must be a mapping with an "images" list');
  const unknown = Object.keys(document).filter((key) => key !== "images");
  if (unknown.length > 0) throw problem("top level", `unknown field "${unknown[0]}" (allowed: images)`);
  const images = document.images;
  if (!Array.isArray(images)) throw problem("images", "must be a list of image entries");
  return images.map((item: unknown, index) => readEntry(item, `images[${index}]`, problem));
}

function readEntry(item: unknown, where: string, problem: Problem): ImageEntry {
  if (!isRecord(item)) throw problem(where, "must be a mapping");
  const unknown = Object.keys(item).find((key) => !(ENTRY_FIELDS as readonly string[]).includes(key));
  if (unknown !== undefined) {
    throw problem(where, `unknown field "${unknown}" (allowed: ${ENTRY_FIELDS.join(", ")})`);
  }
  const repositories = stringList(item.repositories, `${where}.repositories`, problem);
  if (!repositories || repositories.length === 0) {
    throw problem(`${where}.repositories`, "must be a non-empty list of repository names");
  }
  const entry: ImageEntry = { repositories };
  const tags = stringList(item.tags, `${where}.tags`, problem);
  if (tags) entry.tags = tags;
  const entrypoint = stringList(item.entrypoint, `${where}.entrypoint`, problem);
  if (entrypoint) entry.entrypoint = entrypoint;
  const cmd = stringList(item.cmd, `${where}.cmd`, problem);
  if (cmd) entry.cmd = cmd;
  const hostPaths = stringList(item.hostPaths, `${where}.hostPaths`, problem);
  if (hostPaths) entry.hostPaths = hostPaths;
  return entry;
}

function stringList(value: unknown, where: string, problem: Problem): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((word) => typeof word === "string")) {
    throw problem(where, "must be a list of strings");
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
