import { z } from "zod";
import { classifyContent, classifyPath } from "../context/file-classifier.js";
import { listRepoFiles, type RepoFileList } from "../context/list-files.js";
import { displayPath } from "../context/display-path.js";
import { readRepoFile, realRepoRoot, resolveInRepo, type ResolveProblem } from "../context/safe-read.js";
import { errorMessage } from "../errors.js";
import type { ToolDefinition } from "../model/model-client.js";

/**
 * Read-only tools an agent may call to explore the repository. Their arguments come from a model and are
 * untrusted: every path is confined to the working tree (no absolute paths, no "..", no symlinks out, no
 * .git, nothing .gitignore hides), and every failure comes back as text for the model, never as a throw.
 */
const MAX_OUTPUT_CHARS = 20_000;
const MAX_LINE_CHARS = 2_000;
const READ_CAP_BYTES = 4 * 1024 * 1024;
const SEARCH_MAX_HITS = 100;
const SEARCH_HIT_CHARS = 300;
const SEARCH_FILE_CAP_BYTES = 1024 * 1024;
const SEARCH_TOTAL_CAP_BYTES = 32 * 1024 * 1024;
const LIST_MAX_ENTRIES = 500;

export const repoToolDefinitions: ToolDefinition[] = [
  {
    type: "function",
    function: {
      name: "read_file",
      description:
        "Read a text file of the repository. Lines come numbered (`12\\tcode`); the numbers are not part of the file. " + "Use start_line/end_line for a part of a long file.",
      parameters: {
        type: "object",
        properties: {
          path: { type: "string", description: "Path relative to the repository root, e.g. src/index.ts" },
          start_line: { type: "integer", minimum: 1, description: "First line to show (1-based)" },
          end_line: { type: "integer", minimum: 1, description: "Last line to show (inclusive)" },
        },
        required: ["path"],
        additionalProperties: false,
      },
    },
  },
  {
    type: "function",
    function: {
      name: "list_files",
      description: "List the entries of a repository directory: sub-directories with their file counts, then files.",
      parameters: {
        type: "object",
        properties: { path: { type: "string", description: "Directory relative to the repository root; the root when omitted" } },
        additionalProperties: false,
      },
    },
  },
  {
    type: "function",
    function: {
      name: "search",
      description: `Search the repository's text files for a literal string (case-insensitive). Returns up to ${SEARCH_MAX_HITS} matches as path:line: text.`,
      parameters: {
        type: "object",
        properties: {
          query: { type: "string", description: "The literal text to find (not a regular expression)" },
          path: { type: "string", description: "Limit the search to this directory or file" },
        },
        required: ["query"],
        additionalProperties: false,
      },
    },
  },
];

const optionalLine = z.preprocess((value) => (value === null ? undefined : value), z.coerce.number().int().min(1).optional());
const optionalPath = z.preprocess((value) => (value === null ? undefined : value), z.string().optional());
const argumentSchemas = {
  read_file: z.object({ path: z.string().min(1), start_line: optionalLine, end_line: optionalLine }),
  list_files: z.object({ path: optionalPath }),
  search: z.object({ query: z.string().min(1).max(200), path: optionalPath }),
};
type ToolName = keyof typeof argumentSchemas;

function isToolName(name: string): name is ToolName {
  return Object.hasOwn(argumentSchemas, name);
}

/** Runs one tool call; the result is always text for the model (refusals and errors included). */
export async function executeRepoTool(dir: string, name: string, argsJson: string): Promise<string> {
  if (!isToolName(name)) {
    return `error: unknown tool "${name}"; the available tools are ${Object.keys(argumentSchemas).join(", ")}`;
  }
  let raw: unknown;
  try {
    raw = argsJson.trim() === "" ? {} : JSON.parse(argsJson);
  } catch (error) {
    return `error: the arguments of ${name} are not valid JSON (${errorMessage(error)})`;
  }
  try {
    const root = await realRepoRoot(dir);
    switch (name) {
      case "read_file": {
        const args = argumentSchemas.read_file.safeParse(raw);
        return args.success ? bounded(await readFileTool(root, args.data)) : invalidArguments(name, args.error);
      }
      case "list_files": {
        const args = argumentSchemas.list_files.safeParse(raw);
        return args.success ? bounded(await listFilesTool(root, args.data.path ?? "")) : invalidArguments(name, args.error);
      }
      case "search": {
        const args = argumentSchemas.search.safeParse(raw);
        return args.success ? bounded(await searchTool(root, args.data.query, args.data.path ?? "")) : invalidArguments(name, args.error);
      }
    }
  } catch (error) {
    return `error: ${name} failed: ${errorMessage(error)}`;
  }
}

function invalidArguments(name: string, error: z.ZodError): string {
  const problems = error.issues.map((issue) => `${issue.path.join(".") || "arguments"}: ${issue.message}`);
  return `error: invalid arguments for ${name}: ${problems.join("; ")}`;
}

function bounded(text: string): string {
  if (text.length <= MAX_OUTPUT_CHARS) return text;
  const cut = text.lastIndexOf("\n", MAX_OUTPUT_CHARS - 200);
  const keep = cut > 0 ? cut : MAX_OUTPUT_CHARS - 200;
  return `${text.slice(0, keep)}\n[… output truncated: ${text.length - keep} more characters not shown …]`;
}

/**
 * Whether git (or the fallback walk) lists the path and, for a symlink, its target: a tracked link to an
 * ignored `.env` must not open it.
 */
function isListed(listing: RepoFileList, resolved: { relative: string; realRelative: string }): boolean {
  if (listing.truncated) return true;
  return listing.files.includes(resolved.relative) && (resolved.realRelative === resolved.relative || listing.files.includes(resolved.realRelative));
}

async function readFileTool(root: string, args: { path: string; start_line?: number | undefined; end_line?: number | undefined }): Promise<string> {
  const resolved = await resolveInRepo(root, args.path);
  if (!resolved.ok) return refusal(resolved.problem, resolved.message);
  if (resolved.isDirectory) return `error: "${args.path}" is a directory; use list_files to see its entries`;
  const listing = await listRepoFiles(root);
  if (!isListed(listing, resolved)) return `refused: "${args.path}" is ignored by .gitignore or not part of the repository`;
  const read = await readRepoFile(root, resolved.relative, READ_CAP_BYTES);
  if (!read.ok) return refusal(read.problem, read.message);
  if (classifyContent(read.content)?.kind === "binary") return `refused: "${args.path}" is a binary file (${read.size} bytes)`;

  const lines = read.content.toString("utf8").split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const start = args.start_line ?? 1;
  const end = Math.min(args.end_line ?? lines.length, lines.length);
  if (start > lines.length) return `error: "${args.path}" has ${lines.length} lines; start_line ${start} is past the end`;
  if (end < start) return `error: end_line ${end} is before start_line ${start}`;

  const body: string[] = [];
  let size = 0;
  let last = start - 1;
  for (let n = start; n <= end; n += 1) {
    const line = lines[n - 1]!;
    const shown = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… [line cut: ${line.length} characters]` : line;
    const entry = `${n}\t${shown}`;
    if (size + entry.length + 1 > MAX_OUTPUT_CHARS - 500) break;
    body.push(entry);
    size += entry.length + 1;
    last = n;
  }
  const partial = read.truncated ? ` (only the first ${READ_CAP_BYTES} of ${read.size} bytes can be read)` : "";
  const header = `${displayPath(resolved.relative)} (lines ${start}-${last} of ${lines.length})${partial}`;
  const more = last < end ? `\n[… output truncated at line ${last}; call read_file with start_line=${last + 1} to continue …]` : "";
  return `${header}\n${body.join("\n")}${more}`;
}

async function listFilesTool(root: string, requested: string): Promise<string> {
  const resolved = await resolveInRepo(root, requested);
  if (!resolved.ok) return refusal(resolved.problem, resolved.message);
  if (!resolved.isDirectory) return `error: "${requested}" is a file; use read_file to read it`;
  const listing = await listRepoFiles(root);
  const prefix = resolved.realRelative ? `${resolved.realRelative}/` : "";
  const dirs = new Map<string, number>();
  const files: string[] = [];
  for (const file of listing.files) {
    if (!file.startsWith(prefix)) continue;
    const rest = file.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash === -1) files.push(rest);
    else dirs.set(rest.slice(0, slash), (dirs.get(rest.slice(0, slash)) ?? 0) + 1);
  }
  const shownName = resolved.relative || ".";
  if (dirs.size === 0 && files.length === 0) return `${displayPath(shownName)}/ has no files (or all of them are ignored by .gitignore)`;
  const lines: string[] = [];
  for (const [dir, count] of dirs) {
    const exclusion = classifyPath(`${prefix}${dir}/x`);
    const note = exclusion?.directory === `${prefix}${dir}/` ? `; ${exclusion.reason}` : "";
    lines.push(`${displayPath(dir)}/ (${count} ${count === 1 ? "file" : "files"}${note})`);
  }
  for (const file of files) {
    const exclusion = classifyPath(`${prefix}${file}`);
    lines.push(exclusion ? `${displayPath(file)} (${exclusion.reason})` : displayPath(file));
  }
  const shown = lines.slice(0, LIST_MAX_ENTRIES);
  const more = lines.length > shown.length ? `\n[… ${lines.length - shown.length} more entries not shown …]` : "";
  return `${displayPath(shownName)}/: ${dirs.size} directories, ${files.length} files\n${shown.join("\n")}${more}`;
}

async function searchTool(root: string, query: string, requested: string): Promise<string> {
  if (query.trim() === "") return "error: the search query is empty";
  const resolved = await resolveInRepo(root, requested);
  if (!resolved.ok) return refusal(resolved.problem, resolved.message);
  const listing = await listRepoFiles(root);
  let scope: string[];
  if (resolved.isDirectory) {
    const prefix = resolved.realRelative ? `${resolved.realRelative}/` : "";
    scope = listing.files.filter((file) => file.startsWith(prefix) && !classifyPath(file));
  } else {
    if (!isListed(listing, resolved)) return `refused: "${requested}" is ignored by .gitignore or not part of the repository`;
    scope = [resolved.relative];
  }

  const needle = query.toLowerCase();
  const hits: string[] = [];
  let filesWithHits = 0;
  let scannedBytes = 0;
  let stoppedEarly = false;
  for (const file of scope) {
    if (hits.length >= SEARCH_MAX_HITS || scannedBytes >= SEARCH_TOTAL_CAP_BYTES) {
      stoppedEarly = true;
      break;
    }
    // Each file goes through the same confinement as read_file: a tracked symlink may point anywhere.
    const target = await resolveInRepo(root, file);
    if (!target.ok || target.isDirectory || !isListed(listing, target)) continue;
    const read = await readRepoFile(root, target.realRelative, SEARCH_FILE_CAP_BYTES);
    if (!read.ok || classifyContent(read.content)?.kind === "binary") continue;
    scannedBytes += read.content.length;
    const lines = read.content.toString("utf8").split("\n");
    let found = false;
    for (let i = 0; i < lines.length && hits.length < SEARCH_MAX_HITS; i += 1) {
      const line = lines[i]!;
      if (!line.toLowerCase().includes(needle)) continue;
      found = true;
      const text = line.trim();
      hits.push(`${displayPath(file)}:${i + 1}: ${text.length > SEARCH_HIT_CHARS ? `${text.slice(0, SEARCH_HIT_CHARS)}…` : text}`);
    }
    if (found) filesWithHits += 1;
  }
  if (hits.length === 0) return `no matches for "${query}"${stoppedEarly ? " in the part of the repository searched (search limit reached)" : ""}`;
  const summary =
    stoppedEarly || hits.length >= SEARCH_MAX_HITS
      ? `first ${hits.length} matches shown (search stopped at its limit; narrow it with path)`
      : `${hits.length} ${hits.length === 1 ? "match" : "matches"} in ${filesWithHits} ${filesWithHits === 1 ? "file" : "files"}`;
  return `${hits.join("\n")}\n[${summary}]`;
}

/** Paths that may not be touched are refused; paths that simply are not there are errors. */
function refusal(problem: ResolveProblem, message: string): string {
  const notThere: ResolveProblem[] = ["missing", "not-a-file", "not-a-directory", "unreadable"];
  return notThere.includes(problem) ? `error: ${message}` : `refused: ${message}`;
}
