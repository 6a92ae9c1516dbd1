import { parseTag } from "./git-objects.js";
import { runGit } from "./git-run.js";
import type { ObjectType } from "./object-reader.js";
import { readRefFile } from "./ref-files.js";
import type { BareRepo } from "./repo-reads.js";

/**
 * The Git Data side of the stand-in's bare repositories: refs and annotated tag objects, written with git
 * plumbing so that what the REST API reports is exactly what `git ls-remote` and a fetch see. Reads go
 * through the repository's ref files and its object reader; writes stay plumbing (update-ref's
 * compare-and-swap keeps a ref create atomic).
 */
export interface RefTarget {
  sha: string;
  type: ObjectType;
}

export interface TagObject {
  sha: string;
  tag: string;
  message: string;
  object: RefTarget;
  tagger: { name: string; email: string; date: string };
}

const ZERO = "0".repeat(40);

export async function objectType(repo: BareRepo, sha: string): Promise<ObjectType | undefined> {
  if (!/^[0-9a-f]{40}$/.test(sha)) return undefined;
  return (await repo.objects.info(sha))?.type;
}

/** What a full ref name (`refs/…`) points at, unpeeled (a tag ref names its tag object), or undefined. */
export async function readRef(repo: BareRepo, ref: string): Promise<RefTarget | undefined> {
  const sha = await readRefFile(repo.gitDir, ref);
  const type = sha ? await objectType(repo, sha) : undefined;
  return sha && type ? { sha, type } : undefined;
}

/** Creates `ref` only if it does not exist (git's own compare-and-swap): false when it was already there. */
export async function createRefIfAbsent(repo: BareRepo, ref: string, sha: string): Promise<boolean> {
  const result = await runGit(repo.gitDir, ["update-ref", "--create-reflog", ref, sha, ZERO], { allowFailure: true });
  return result.code === 0;
}

export async function deleteRef(repo: BareRepo, ref: string): Promise<boolean> {
  if (!(await readRef(repo, ref))) return false;
  return (await runGit(repo.gitDir, ["update-ref", "-d", ref], { allowFailure: true })).code === 0;
}

/** Writes an annotated tag object (no ref: like POST /git/tags, the caller creates the ref). */
export async function writeTag(repo: BareRepo, input: { tag: string; message: string; object: RefTarget; tagger: { name: string; email: string; date: string } }): Promise<string> {
  const seconds = Math.floor(Date.parse(input.tagger.date) / 1000);
  const text = [
    `object ${input.object.sha}`,
    `type ${input.object.type}`,
    `tag ${input.tag}`,
    `tagger ${input.tagger.name} <${input.tagger.email}> ${seconds} +0000`,
    "",
    input.message.endsWith("\n") ? input.message : `${input.message}\n`,
  ].join("\n");
  return (await runGit(repo.gitDir, ["mktag"], { input: text })).stdout.toString("utf8").trim();
}

export async function readTag(repo: BareRepo, sha: string): Promise<TagObject | undefined> {
  if (!/^[0-9a-f]{40}$/.test(sha)) return undefined;
  const object = await repo.objects.contents(sha);
  if (object?.type !== "tag") return undefined;
  const raw = parseTag(object.content);
  return { sha, tag: raw.tag, message: raw.message, object: { sha: raw.object, type: raw.type as ObjectType }, tagger: raw.tagger };
}

/**
 * GitHub's `diff_hunk` for an inline comment: the hunk of `base...head` for `path` that holds `line`
 * (new-file numbering on the RIGHT side, old-file on the LEFT), from its `@@` header down to that line.
 * Undefined when the line is not part of the diff (GitHub refuses such comments).
 */
export async function diffHunk(
  gitDir: string,
  base: string,
  head: string,
  path: string,
  line: number,
  side: "LEFT" | "RIGHT",
): Promise<{ hunk: string; position: number } | undefined> {
  const diff = (await runGit(gitDir, ["diff", "--no-color", "--unified=3", `${base}...${head}`, "--", path], { allowFailure: true })).stdout.toString("utf8");
  let current: string[] | undefined;
  let oldLine = 0;
  let newLine = 0;
  let position = 0;
  for (const text of diff.split("\n")) {
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (header) {
      // GitHub counts positions from the line after the file's first @@ header, across hunks.
      if (current) position++;
      current = [text];
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      continue;
    }
    if (!current || text.startsWith("\\")) continue;
    current.push(text);
    position++;
    const marker = text[0];
    const here = side === "RIGHT" ? (marker === "-" ? undefined : newLine) : marker === "+" ? undefined : oldLine;
    if (here === line) return { hunk: current.join("\n"), position };
    if (marker !== "+") oldLine++;
    if (marker !== "-") newLine++;
  }
  return undefined;
}
