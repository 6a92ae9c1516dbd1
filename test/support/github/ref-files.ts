import { readFile } from "node:fs/promises";
import path from "node:path";

/**
 * Refs read straight from a bare repository's files, fresh on every call (pushes through http-backend and
 * update-ref move them): the loose ref file first, then packed-refs, the order git itself reads them in.
 * A symbolic ref (`ref: refs/heads/main`, HEAD) is followed. The repositories use the files backend
 * (git-backend.ts creates them with it).
 */
const SHA = /^[0-9a-f]{40}$/;
const MAX_SYMBOLIC_DEPTH = 5;

/** The sha `ref` (a full name, `refs/…` or `HEAD`) points at, unpeeled, or undefined when it does not exist. */
export async function readRefFile(gitDir: string, ref: string): Promise<string | undefined> {
  let name = ref;
  for (let depth = 0; depth <= MAX_SYMBOLIC_DEPTH; depth++) {
    // The name becomes a path: anything git would refuse as a ref name could climb out of the repository.
    if (name !== "HEAD" && !isValidRefName(name)) return undefined;
    const loose = await readLoose(gitDir, name);
    if (loose === undefined) return readPacked(gitDir, name);
    if (SHA.test(loose)) return loose;
    if (!loose.startsWith("ref: ")) return undefined;
    name = loose.slice("ref: ".length).trim();
  }
  return undefined;
}

/** git check-ref-format's rules, for a full name under refs/. */
export function isValidRefName(ref: string): boolean {
  if (!ref.startsWith("refs/") || ref.endsWith("/") || ref.endsWith(".") || ref === "@") return false;
  if (ref.includes("..") || ref.includes("//") || ref.includes("@{")) return false;
  // Control characters, space and the characters revision syntax uses.
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return false;
  return ref.split("/").every((component) => component.length > 0 && !component.startsWith(".") && !component.endsWith(".lock"));
}

/** The loose ref file's text, or undefined when there is none (a directory of refs is no ref either). */
async function readLoose(gitDir: string, ref: string): Promise<string | undefined> {
  try {
    return (await readFile(path.join(gitDir, ref), "utf8")).trim();
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

async function readPacked(gitDir: string, ref: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(gitDir, "packed-refs"), "utf8");
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  // `<sha> <ref>` lines; `#` starts the header, `^<sha>` peels the tag above it.
  for (const line of text.split("\n")) {
    const space = line.indexOf(" ");
    if (space === 40 && line.slice(space + 1) === ref && SHA.test(line.slice(0, space))) return line.slice(0, space);
  }
  return undefined;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR";
}
