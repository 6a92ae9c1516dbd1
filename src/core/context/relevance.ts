/**
 * Which files a task is about, from its text alone: files it names, then a score from the task's words
 * against file paths, then a bounded scan of candidate files for the task's identifiers. Words are
 * weighted by rarity (IDF), so "src" or "test" that match half the repository count for little.
 */
export interface TaskTerms {
  /** Path-like tokens as written ("src/a.ts", "a.ts", "Makefile"), first mention first. */
  pathTokens: string[];
  /** Lowercased words for matching path parts. */
  words: string[];
  /** Lowercased search strings for the content scan, with a weight (identifiers count more than words). */
  contentTerms: { term: string; weight: number }[];
}

const STOP_WORDS = new Set(
  (
    "the and for with that this from have has had are was were not but you your our can could should would will " +
    "when what which where who how why into onto over under about after before then than them they their there " +
    "these those been being also only just some such more most other any all each every does did doing done " +
    "make makes made use uses used using like want wants need needs please thanks thank its it's his her she " +
    "him one two three way get gets got see seen able maybe still even very much many same new now here " +
    "function functions method methods return returns returned value values true false null undefined string " +
    "number object should shouldn't currently expected actual instead when while because there's doesn't isn't " +
    "issue issues bug bugs fix fixes fixed add adds added adding change changes changed update updates updated " +
    "remove removes removed work works working thing things something anything"
  ).split(" "),
);

const EXTENSIONLESS_NAMES = new Set([
  "Makefile",
  "Dockerfile",
  "Jenkinsfile",
  "Procfile",
  "Rakefile",
  "Gemfile",
  "Vagrantfile",
  "Containerfile",
  "Justfile",
  "LICENSE",
  "CODEOWNERS",
]);

/** Splits camelCase, snake_case, kebab-case and dotted names into lowercase words. */
export function splitWords(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

function isUsefulWord(word: string): boolean {
  return word.length >= 3 && !STOP_WORDS.has(word) && !/^\d+$/.test(word);
}

/** "greeting" and "greets" both find "greet". */
function stem(word: string): string {
  const stemmed = word.replace(/(?:ing|ed|es|s)$/, "");
  return stemmed.length >= 4 ? stemmed : word;
}

/** Bounds on what is taken from a task: hostile text must not make matching quadratic. */
const MAX_PATH_TOKENS = 100;
const MAX_WORDS = 200;
const MAX_CONTENT_TERMS = 60;

export function extractTaskTerms(text: string): TaskTerms {
  const pathTokens = new Set<string>();
  for (const raw of text.match(/[A-Za-z0-9_@$~+\-./\\]+/g) ?? []) {
    if (pathTokens.size >= MAX_PATH_TOKENS) break;
    const token = raw
      .replace(/\\/g, "/")
      .replace(/^(?:\.?\/)+/, "")
      .replace(/[.\-/]+$/, "");
    const looksLikePath = token.includes("/") || /\.[A-Za-z0-9]{1,10}$/.test(token) || EXTENSIONLESS_NAMES.has(token);
    if (token.length >= 3 && token.length <= 300 && looksLikePath) pathTokens.add(token);
  }

  const words = new Set<string>();
  for (const word of splitWords(text)) {
    if (words.size >= MAX_WORDS) break;
    if (isUsefulWord(word) && word.length <= 64) words.add(word);
  }

  const weights = new Map<string, number>();
  const codeSpans = new Set((text.match(/`[^`\n]+`/g) ?? []).flatMap((span) => span.match(/[A-Za-z_$][A-Za-z0-9_$]*/g) ?? []));
  for (const match of text.matchAll(/[A-Za-z_$][A-Za-z0-9_$]*(\s*\()?/g)) {
    if (weights.size >= MAX_CONTENT_TERMS) break;
    const identifier = match[0].replace(/\s*\($/, "");
    const codeLike = /[a-z][A-Z]|_|[A-Za-z]\d/.test(identifier) || match[1] !== undefined || codeSpans.has(identifier);
    const lower = identifier.toLowerCase();
    if (codeLike && lower.length >= 3 && lower.length <= 64 && !STOP_WORDS.has(lower)) weights.set(lower, 2);
  }
  for (const word of words) {
    if (weights.size >= MAX_CONTENT_TERMS) break;
    const term = stem(word);
    if (term.length >= 5 && !weights.has(term)) weights.set(term, 1);
  }
  const contentTerms = [...weights].map(([term, weight]) => ({ term, weight })).sort((a, b) => (a.term < b.term ? -1 : 1));
  return { pathTokens: [...pathTokens], words: [...words].sort(), contentTerms };
}

/**
 * Files the task names, in order of first mention: exact paths, paths found inside longer tokens (URLs,
 * "blob/main/src/a.ts"), path suffixes, then basenames (an ambiguous name yields its `perToken` shortest paths).
 */
export function findNamedFiles(files: readonly string[], terms: TaskTerms, perToken = 3): string[] {
  const fileSet = new Set(files);
  const byBase = new Map<string, string[]>();
  for (const file of files) {
    const base = file.slice(file.lastIndexOf("/") + 1).toLowerCase();
    const list = byBase.get(base);
    if (list) list.push(file);
    else byBase.set(base, [file]);
  }
  const shortestFirst = (list: string[]) => [...list].sort((a, b) => a.length - b.length || (a < b ? -1 : 1)).slice(0, perToken);
  const named: string[] = [];
  const add = (file: string) => {
    if (!named.includes(file)) named.push(file);
  };
  for (const token of terms.pathTokens) {
    if (fileSet.has(token)) {
      add(token);
      continue;
    }
    const segments = token.split("/").filter(Boolean);
    const suffix = segments
      .slice(1)
      .map((_, i) => segments.slice(i + 1).join("/"))
      .find((candidate) => candidate.includes("/") && fileSet.has(candidate));
    if (suffix) {
      add(suffix);
      continue;
    }
    if (token.includes("/")) {
      const tail = `/${token}`;
      const endings = files.filter((file) => file.endsWith(tail));
      if (endings.length > 0) {
        shortestFirst(endings).forEach(add);
        continue;
      }
    }
    const base = segments[segments.length - 1];
    if (!base || segments.length > 1) continue;
    const sameBase = byBase.get(base.toLowerCase()) ?? [];
    const exactCase = sameBase.filter((file) => file.endsWith(base));
    shortestFirst(exactCase.length > 0 ? exactCase : sameBase).forEach(add);
  }
  return named;
}

interface PathParts {
  base: string[];
  dirs: string[];
}

function pathParts(file: string): PathParts {
  const segments = file.split("/");
  const baseName = segments.pop() ?? "";
  const stemName = baseName.replace(/\.[^.]*$/, "") || baseName;
  return {
    base: [stemName.toLowerCase(), ...splitWords(stemName)],
    dirs: segments.flatMap((segment) => [segment.toLowerCase(), ...splitWords(segment)]),
  };
}

/** Equal, or one a prefix of the other for words ("greet" / "greeting"); never for numbered names ("pkg4" / "pkg42"). */
function partMatches(part: string, term: string): boolean {
  if (part === term) return true;
  if (part.length < 4 || term.length < 4 || /\d/.test(part) || /\d/.test(term)) return false;
  return part.startsWith(term) || term.startsWith(part);
}

/** Path relevance per file (only files with a score above zero appear). */
export function scorePaths(files: readonly string[], terms: TaskTerms): Map<string, number> {
  const scores = new Map<string, number>();
  if (terms.words.length === 0 || files.length === 0) return scores;
  // Distinct path parts with the files they occur in: far fewer parts than files × parts to compare.
  const baseIndex = new Map<string, number[]>();
  const dirIndex = new Map<string, number[]>();
  const post = (index: Map<string, number[]>, part: string, file: number) => {
    const list = index.get(part);
    if (!list) index.set(part, [file]);
    else if (list[list.length - 1] !== file) list.push(file);
  };
  files.forEach((file, f) => {
    const parts = pathParts(file);
    for (const part of parts.base) post(baseIndex, part, f);
    for (const part of parts.dirs) post(dirIndex, part, f);
  });
  for (const word of terms.words) {
    const hits = new Map<number, number>();
    for (const [part, list] of dirIndex) if (partMatches(part, word)) for (const f of list) hits.set(f, 1);
    for (const [part, list] of baseIndex) if (partMatches(part, word)) for (const f of list) hits.set(f, 2);
    if (hits.size === 0 || isCommon(hits.size, files.length)) continue;
    const idf = Math.log(1 + files.length / hits.size);
    for (const [f, hit] of hits) scores.set(files[f]!, (scores.get(files[f]!) ?? 0) + hit * idf);
  }
  return scores;
}

/**
 * A word in most of many files ("src" in every path, "export" in every JavaScript module) tells no file from
 * another: counted, it makes every file tie, and the ties fill the context with noise.
 */
const COMMON_TERM_MIN_FILES = 20;
const COMMON_TERM_SHARE = 0.5;

function isCommon(matching: number, files: number): boolean {
  return files >= COMMON_TERM_MIN_FILES && matching > files * COMMON_TERM_SHARE;
}

const MAX_COUNTED_OCCURRENCES = 8;

/** Content relevance of the scanned files, from occurrences of the task's identifiers and words. */
export function scoreContents(contents: ReadonlyMap<string, string>, terms: TaskTerms): Map<string, number> {
  const counts = new Map<string, number[]>();
  for (const [file, content] of contents) {
    const lower = content.toLowerCase();
    counts.set(
      file,
      terms.contentTerms.map(({ term }) => countOccurrences(lower, term, MAX_COUNTED_OCCURRENCES)),
    );
  }
  const scores = new Map<string, number>();
  terms.contentTerms.forEach(({ weight }, t) => {
    let documentFrequency = 0;
    for (const row of counts.values()) if (row[t]! > 0) documentFrequency += 1;
    if (documentFrequency === 0) return;
    if (isCommon(documentFrequency, contents.size)) return;
    const idf = Math.log(1 + contents.size / documentFrequency);
    for (const [file, row] of counts) {
      const count = row[t]!;
      if (count > 0) scores.set(file, (scores.get(file) ?? 0) + weight * idf * (1 + Math.log2(count)));
    }
  });
  return scores;
}

function countOccurrences(haystack: string, needle: string, max: number): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1 && count < max; at = haystack.indexOf(needle, at + needle.length)) count += 1;
  return count;
}

const SOURCE_EXTENSIONS = new Set(
  "ts tsx js jsx mjs cjs mts cts py go rs java kt kts scala rb php cs c h cc cpp hpp m swift dart ex exs erl hs ml lua r jl sh bash zsh ps1 sql vue svelte astro html css scss less graphql proto tf".split(
    " ",
  ),
);

export function isSourceFile(file: string): boolean {
  const dot = file.lastIndexOf(".");
  return dot > file.lastIndexOf("/") && SOURCE_EXTENSIONS.has(file.slice(dot + 1).toLowerCase());
}

export interface ScanLimits {
  /** Files tried at most. */
  maxFiles: number;
  /** Bytes read at most, all files together. */
  maxBytes: number;
}

/**
 * Ranks `files` by path score plus, for a bounded set of candidates (best path score first, then source
 * files, shallow first), content score. `read` returns a file's text or undefined when it must be skipped.
 */
export async function rankRelevantFiles(
  files: readonly string[],
  terms: TaskTerms,
  read: (file: string, remainingBytes: number) => Promise<string | undefined>,
  limits: ScanLimits,
): Promise<{ file: string; score: number }[]> {
  const pathScores = scorePaths(files, terms);
  const depth = (file: string) => file.split("/").length;
  const candidates = [...files].sort(
    (a, b) => (pathScores.get(b) ?? 0) - (pathScores.get(a) ?? 0) || Number(isSourceFile(b)) - Number(isSourceFile(a)) || depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0),
  );
  const contents = new Map<string, string>();
  let remainingBytes = limits.maxBytes;
  if (terms.contentTerms.length > 0) {
    // Attempts count, not successes: unreadable candidates must not turn the scan into a full walk.
    for (const file of candidates.slice(0, limits.maxFiles)) {
      if (remainingBytes <= 0) break;
      const text = await read(file, remainingBytes);
      if (text === undefined) continue;
      contents.set(file, text);
      remainingBytes -= Buffer.byteLength(text);
    }
  }
  const contentScores = scoreContents(contents, terms);
  const ranked = new Map(pathScores);
  for (const [file, score] of contentScores) ranked.set(file, (ranked.get(file) ?? 0) + score);
  return [...ranked].map(([file, score]) => ({ file, score })).sort((a, b) => b.score - a.score || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
