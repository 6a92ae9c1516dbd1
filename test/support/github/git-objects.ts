/**
 * Git's raw object formats, parsed into what the REST routes report: commits (what `git log` printed
 * before), trees (what `git ls-tree` printed) and annotated tags (what `git cat-file tag` printed).
 */
export interface GitPerson {
  name: string;
  email: string;
  /** UTC, GitHub's `2024-01-02T03:04:05Z`. */
  date: string;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: GitPerson;
  committer: GitPerson;
  /** The full message, trailing newlines removed. */
  message: string;
  /** Its first line. */
  subject: string;
}

export interface RawTreeEntry {
  mode: string;
  name: string;
  sha: string;
}

export interface RawTag {
  object: string;
  type: string;
  tag: string;
  tagger: GitPerson;
  message: string;
}

export function parseCommit(sha: string, raw: Buffer): CommitInfo {
  const { header, message } = splitObject(raw.toString("utf8"));
  const trimmed = message.replace(/\n+$/, "");
  return {
    sha,
    tree: fields(header, "tree")[0] ?? "",
    parents: fields(header, "parent"),
    author: parsePerson(fields(header, "author")[0]),
    committer: parsePerson(fields(header, "committer")[0]),
    message: trimmed,
    subject: message.split("\n")[0] ?? "",
  };
}

/** Entries in the tree's own order: `<octal mode> <name>\0<20-byte sha>`, repeated. */
export function parseTree(raw: Buffer): RawTreeEntry[] {
  const entries: RawTreeEntry[] = [];
  let at = 0;
  while (at < raw.length) {
    const space = raw.indexOf(0x20, at);
    const nul = raw.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > raw.length) throw new Error("GitHub stand-in: a tree object is truncated");
    entries.push({ mode: raw.subarray(at, space).toString("latin1"), name: raw.subarray(space + 1, nul).toString("utf8"), sha: raw.subarray(nul + 1, nul + 21).toString("hex") });
    at = nul + 21;
  }
  return entries;
}

export function parseTag(raw: Buffer): RawTag {
  const { header, message } = splitObject(raw.toString("utf8"));
  return {
    object: fields(header, "object")[0] ?? "",
    type: fields(header, "type")[0] ?? "",
    tag: fields(header, "tag")[0] ?? "",
    tagger: parsePerson(fields(header, "tagger")[0]),
    message,
  };
}

/** Header lines, then a blank line, then the message (continuation lines of a signature start with a space). */
function splitObject(text: string): { header: string[]; message: string } {
  const split = text.indexOf("\n\n");
  return { header: text.slice(0, split < 0 ? text.length : split).split("\n"), message: split < 0 ? "" : text.slice(split + 2) };
}

function fields(header: string[], name: string): string[] {
  return header.filter((line) => line.startsWith(`${name} `)).map((line) => line.slice(name.length + 1));
}

/** `Name <email> <epoch seconds> <±hhmm>` */
function parsePerson(value: string | undefined): GitPerson {
  const parsed = /^(.*) <([^>]*)> (\d+) ([+-]\d{4})$/.exec(value ?? "");
  return {
    name: parsed?.[1] ?? "",
    email: parsed?.[2] ?? "",
    date: parsed ? new Date(Number(parsed[3]) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z") : "",
  };
}
