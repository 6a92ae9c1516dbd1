import { runGit } from "./git-backend.js";

/**
 * The Git Data side of the stand-in's bare repositories: refs and annotated tag objects, written with git
 * plumbing so that what the REST API reports is exactly what `git ls-remote` and a fetch see.
 */
export interface RefTarget {
  sha: string;
  type: "commit" | "tag" | "tree" | "blob";
}

export interface TagObject {
  sha: string;
  tag: string;
  message: string;
  object: RefTarget;
  tagger: { name: string; email: string; date: string };
}

const ZERO = "0".repeat(40);

export async function objectType(gitDir: string, sha: string): Promise<RefTarget["type"] | undefined> {
  if (!/^[0-9a-f]{40}$/.test(sha)) return undefined;
  const result = await runGit(gitDir, ["cat-file", "-t", sha], { allowFailure: true });
  const type = result.stdout.toString("utf8").trim();
  return result.code === 0 && ["commit", "tag", "tree", "blob"].includes(type) ? (type as RefTarget["type"]) : undefined;
}

/** What a full ref name (`refs/…`) points at, unpeeled (a tag ref names its tag object), or undefined. */
export async function readRef(gitDir: string, ref: string): Promise<RefTarget | undefined> {
  const result = await runGit(gitDir, ["rev-parse", "--verify", "--quiet", ref], { allowFailure: true });
  if (result.code !== 0) return undefined;
  const sha = result.stdout.toString("utf8").trim();
  const type = await objectType(gitDir, sha);
  return type ? { sha, type } : undefined;
}

/** Creates `ref` only if it does not exist (git's own compare-and-swap): false when it was already there. */
export async function createRefIfAbsent(gitDir: string, ref: string, sha: string): Promise<boolean> {
  const result = await runGit(gitDir, ["update-ref", "--create-reflog", ref, sha, ZERO], { allowFailure: true });
  return result.code === 0;
}

export async function deleteRef(gitDir: string, ref: string): Promise<boolean> {
  if (!(await readRef(gitDir, ref))) return false;
  return (await runGit(gitDir, ["update-ref", "-d", ref], { allowFailure: true })).code === 0;
}

/** Writes an annotated tag object (no ref: like POST /git/tags, the caller creates the ref). */
export async function writeTag(gitDir: string, input: { tag: string; message: string; object: RefTarget; tagger: { name: string; email: string; date: string } }): Promise<string> {
  const seconds = Math.floor(Date.parse(input.tagger.date) / 1000);
  const text = [
    `object ${input.object.sha}`,
    `type ${input.object.type}`,
    `tag ${input.tag}`,
    `tagger ${input.tagger.name} <${input.tagger.email}> ${seconds} +0000`,
    "",
    input.message.endsWith("\n") ? input.message : `${input.message}\n`,
  ].join("\n");
  return (await runGit(gitDir, ["mktag"], { input: text })).stdout.toString("utf8").trim();
}

export async function readTag(gitDir: string, sha: string): Promise<TagObject | undefined> {
  if ((await objectType(gitDir, sha)) !== "tag") return undefined;
  const text = (await runGit(gitDir, ["cat-file", "tag", sha])).stdout.toString("utf8");
  const split = text.indexOf("\n\n");
  const header = text.slice(0, split < 0 ? text.length : split);
  const message = split < 0 ? "" : text.slice(split + 2);
  const field = (name: string) => new RegExp(`^${name} (.*)$`, "m").exec(header)?.[1] ?? "";
  const tagger = /^(.*) <([^>]*)> (\d+) ([+-]\d{4})$/.exec(field("tagger"));
  return {
    sha,
    tag: field("tag"),
    message,
    object: { sha: field("object"), type: field("type") as RefTarget["type"] },
    tagger: {
      name: tagger?.[1] ?? "",
      email: tagger?.[2] ?? "",
      date: new Date(Number(tagger?.[3] ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    },
  };
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
