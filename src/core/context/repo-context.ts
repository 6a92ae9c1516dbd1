import { sanitizeUntrustedText, truncateWithMarker } from "../intake.js";
import type { Task } from "../task.js";
import { ContentReader } from "./content-reader.js";
import type { RepoContext, RepoContextFile, ContextReason } from "./context-types.js";
import { classifyPath, isManifest, isReadme, MANIFEST_FILES, type Exclusion } from "./file-classifier.js";
import { INSTRUCTION_FILE_TOKENS, INSTRUCTIONS_SHARE, isInstructionFile, nestedInstructionFiles, rootInstructionFiles } from "./instructions.js";
import { listRepoFiles, type RepoFileList } from "./list-files.js";
import { extractTaskTerms, findNamedFiles, rankRelevantFiles, type TaskTerms } from "./relevance.js";
import { renderFileBlock, renderRepoContext } from "./render-context.js";
import { realRepoRoot } from "./safe-read.js";
import { TokenMeter } from "./token-meter.js";
import { createTreeRenderer } from "./tree.js";

export { describeRepoContext, renderRepoContext } from "./render-context.js";
export type { ContextReason, RepoContext, RepoContextFile } from "./context-types.js";

/**
 * What the agents see of the repository before they explore: a bounded tree, then the repository's
 * instruction files (sanitised like any untrusted text), the manifests, the files the task names, the
 * files most relevant to it and the README, all within a token budget.
 */
export interface BuildRepoContextOptions {
  dir: string;
  task: Task;
  tokenBudget: number;
  /** Largest share one file may take; bigger files are cut to their head. */
  maxFileTokens?: number;
}

/** Files over this size are not read whole (only their head, and only when the task names them). */
const SIZE_CAP_BYTES = 512 * 1024;
const SCAN_LIMITS = { maxFiles: 300, maxBytes: 4 * 1024 * 1024 };
const SCAN_FILE_CAP_BYTES = 256 * 1024;
/** A tree this long is listed whole; a longer one is summarised in about half as many lines. */
const MAX_TREE_LINES = 200;
const MIN_TREE_LINES = 5;
/** Beyond these counts more files add noise, not help: the agents can explore with their tools. */
const MAX_NAMED_FILES = 20;
const MAX_RELEVANT_FILES = 12;
/** A head shorter than this is not worth including. */
const MIN_USEFUL_TOKENS = 150;
/** Relevant files scoring below this fraction of the best one are noise. */
const RELEVANCE_FLOOR = 0.25;

export async function buildRepoContext(opts: BuildRepoContextOptions): Promise<RepoContext> {
  const root = await realRepoRoot(opts.dir);
  // Listed, read and matched once; only the choosing is done again when the ceilings were not enough.
  const survey: Survey = { opts, listing: await listRepoFiles(root), reader: new ContentReader(root), terms: extractTaskTerms(taskTextForMatching(opts.task)) };
  const meter = TokenMeter.ceilings();
  const measured = await chooseContext(survey, meter);
  return meter.mustRecount ? chooseContext(survey, TokenMeter.exactCounts()) : measured;
}

interface Survey {
  opts: BuildRepoContextOptions;
  listing: RepoFileList;
  reader: ContentReader;
  terms: TaskTerms;
}

async function chooseContext({ opts, listing, reader, terms }: Survey, meter: TokenMeter): Promise<RepoContext> {
  const budget = Math.max(0, Math.floor(opts.tokenBudget));
  const maxFileTokens = Math.max(1, Math.floor(opts.maxFileTokens ?? Math.max(300, budget * 0.25)));
  const omitted = new OmittedList();
  const eligible: string[] = [];
  for (const file of listing.files) {
    const exclusion = classifyPath(file);
    if (exclusion) omitted.addExclusion(file, exclusion);
    else eligible.push(file);
  }
  if (listing.truncated) omitted.add(".", `listing stopped after ${listing.files.length} files`);

  // The tree and the list of omissions get their share first; files fill what is left.
  const treeReserve = Math.min(Math.floor(budget * 0.15), 2_500);
  const skeleton = await meter.count(renderRepoContext({ tree: "", files: [], omitted: omitted.entries(), fileCount: listing.files.length, totalTokens: 0 }));
  const selection = new Selection(reader, omitted, meter, budget - treeReserve - skeleton - 50, maxFileTokens);

  const eligibleSet = new Set(eligible);
  const instructions = new InstructionBudget(selection, meter, Math.floor(budget * INSTRUCTIONS_SHARE), Math.min(maxFileTokens, INSTRUCTION_FILE_TOKENS));
  for (const file of rootInstructionFiles(eligibleSet)) await instructions.offer(file);
  const manifestCap = Math.min(maxFileTokens, Math.max(MIN_USEFUL_TOKENS * 2, Math.floor(budget * 0.1)));
  for (const manifest of MANIFEST_FILES) {
    if (eligibleSet.has(manifest)) await selection.offer(manifest, "manifest", manifestCap);
  }
  for (const named of findNamedFiles(eligible, terms).slice(0, MAX_NAMED_FILES)) {
    const added = await selection.offer(named, "named-in-task", maxFileTokens, { allowOversize: true });
    if (added === "no-room") omitted.add(named, "named in the task but did not fit the context budget");
  }
  const readme = eligible.find(isReadme);
  const rankable = eligible.filter((file) => !selection.has(file) && file !== readme && !isManifest(file) && !isInstructionFile(file));
  const ranked = await rankRelevantFiles(
    rankable,
    terms,
    async (file, remainingBytes) => {
      const loaded = await reader.load(file, Math.min(SCAN_FILE_CAP_BYTES, remainingBytes) + 1);
      if (loaded.kind === "omit") omitted.add(file, loaded.reason);
      return loaded.kind === "text" && loaded.complete ? loaded.text : undefined;
    },
    SCAN_LIMITS,
  );
  const floor = (ranked[0]?.score ?? 0) * RELEVANCE_FLOOR;
  let relevantCount = 0;
  // Candidates that turn out unusable (binary, too large) count as tries, so the loop stays bounded.
  for (const { file, score } of ranked.slice(0, MAX_RELEVANT_FILES * 3)) {
    if (score < floor || relevantCount >= MAX_RELEVANT_FILES || !meter.fits(MIN_USEFUL_TOKENS, selection.remaining())) break;
    if ((await selection.offer(file, "relevant", maxFileTokens)) === "added") relevantCount += 1;
  }
  for (const file of nestedInstructionFiles(
    eligibleSet,
    selection.files.map((entry) => entry.path),
  ))
    await instructions.offer(file);
  if (readme) await selection.offer(readme, "readme", maxFileTokens);

  return fitToBudget(listing.files, selection.files, omitted.entries(), budget, meter);
}

/** What the task says, sanitised and bounded like the prompt text (whose wrapper words would skew matching). */
function taskTextForMatching(task: Task): string {
  const parts = [task.title.slice(0, 1_000), task.body.slice(0, 24_000), ...task.comments.filter((c) => c.trusted).map((c) => c.body.slice(0, 4_000))];
  return parts.map(sanitizeUntrustedText).join("\n\n").slice(0, 48_000);
}

/** Adds the tree, then trims (tree lines first, then the last files) until the rendered text fits. */
async function fitToBudget(allFiles: string[], files: RepoContextFile[], omitted: RepoContext["omitted"], budget: number, meter: TokenMeter): Promise<RepoContext> {
  const chosen = [...files];
  const counted = meter.exact ? {} : { tokensAreCeilings: true as const };
  const base = (tree: string): RepoContext => ({ tree, files: chosen, omitted, fileCount: allFiles.length, totalTokens: 0, ...counted });
  const withoutTree = await meter.count(renderRepoContext(base("")));
  const renderTree = createTreeRenderer(allFiles);
  // About six tokens a tree line.
  let maxLines = meter.fits(withoutTree + MAX_TREE_LINES * 6, budget) ? MAX_TREE_LINES : Math.max(MIN_TREE_LINES, Math.floor((budget - withoutTree) / 6));
  for (;;) {
    const tree = renderTree({ maxLines, pinned: chosen.map((file) => file.path) });
    const ctx = base(tree);
    const tokens = await meter.count(renderRepoContext(ctx));
    if (meter.fits(tokens, budget)) return { ...ctx, totalTokens: tokens };
    if (maxLines > MIN_TREE_LINES) {
      maxLines = Math.max(MIN_TREE_LINES, Math.min(maxLines - 1, Math.floor(maxLines * Math.min(0.8, budget / tokens))));
    } else if (chosen.length > 0) {
      chosen.pop();
    } else {
      // A budget smaller than the headings (config allows no less than 1,000): keep the bare minimum.
      const bare: RepoContext = { tree: "", files: [], omitted: [], fileCount: allFiles.length, totalTokens: 0 };
      return { ...bare, totalTokens: await meter.count(renderRepoContext(bare)), ...counted };
    }
  }
}

type OfferResult = "added" | "no-room" | "unusable";

class Selection {
  readonly files: RepoContextFile[] = [];
  private used = 0;

  constructor(
    private readonly reader: ContentReader,
    private readonly omitted: OmittedList,
    private readonly meter: TokenMeter,
    private readonly budget: number,
    private readonly maxFileTokens: number,
  ) {}

  has(file: string): boolean {
    return this.files.some((entry) => entry.path === file);
  }

  remaining(): number {
    return this.budget - this.used;
  }

  async offer(file: string, reason: ContextReason, cap: number, options: { allowOversize?: boolean } = {}): Promise<OfferResult> {
    if (this.has(file)) return "added";
    let loaded = await this.reader.load(file, SIZE_CAP_BYTES + 1);
    if (loaded.kind === "skip") return "unusable";
    if (loaded.kind === "omit") {
      this.omitted.add(file, loaded.reason);
      return "unusable";
    }
    if (!loaded.complete && !options.allowOversize) {
      this.omitted.add(file, `too large (${Math.round(loaded.size / 1024)} KiB)`);
      return "unusable";
    }
    // Instruction files are written to steer agents: they get the same sanitising as an issue body.
    if (reason === "instructions") loaded = { ...loaded, text: sanitizeUntrustedText(loaded.text) };
    const unread = loaded.size - loaded.bytesRead;
    const allowed = Math.min(cap, this.maxFileTokens, this.remaining());
    let content = unread > 0 ? `${loaded.text}\n[… ${unread} more bytes not read …]` : loaded.text;
    let tokens = await this.meter.count(renderFileBlock(file, content));
    if (!this.meter.fits(tokens, allowed)) {
      if (allowed < MIN_USEFUL_TOKENS) return "no-room";
      content = await headWithinTokens(file, loaded.text, allowed, unread, this.meter);
      tokens = await this.meter.count(renderFileBlock(file, content));
    }
    this.files.push({ path: file, content, tokens, reason });
    // The blank line that joins blocks costs a token too.
    this.used += tokens + 1;
    return "added";
  }
}

/** Offers instruction files while their shared allowance lasts; each is cut to its own cap. */
class InstructionBudget {
  private used = 0;

  constructor(
    private readonly selection: Selection,
    private readonly meter: TokenMeter,
    private readonly allowance: number,
    private readonly perFile: number,
  ) {}

  async offer(file: string): Promise<void> {
    const cap = Math.min(this.perFile, this.allowance - this.used);
    if (!this.meter.fits(MIN_USEFUL_TOKENS, cap) || this.selection.has(file)) return;
    if ((await this.selection.offer(file, "instructions", cap)) === "added") this.used += this.selection.files.at(-1)!.tokens;
  }
}

/** The head of `text` (plus a marker) whose rendered block takes at most `maxTokens`. */
async function headWithinTokens(file: string, text: string, maxTokens: number, unreadBytes: number, meter: TokenMeter): Promise<string> {
  const total = Math.max(1, await meter.count(text));
  let chars = Math.floor((text.length * maxTokens) / total);
  for (;;) {
    const head = truncateWithMarker(text, chars);
    const content = unreadBytes > 0 ? `${head}\n[… and ${unreadBytes} more bytes not read …]` : head;
    if (chars <= 0 || (await meter.count(renderFileBlock(file, content))) <= maxTokens) return content;
    chars = Math.floor(chars * 0.85);
  }
}

/** Omissions in first-seen order; whole excluded directories collapse into one entry with a file count. */
class OmittedList {
  private readonly order: string[] = [];
  private readonly reasons = new Map<string, string>();
  private readonly directoryCounts = new Map<string, number>();

  add(path: string, reason: string): void {
    if (!this.reasons.has(path)) this.order.push(path);
    this.reasons.set(path, reason);
  }

  addExclusion(file: string, exclusion: Exclusion): void {
    if (!exclusion.directory) return this.add(file, exclusion.reason);
    const count = (this.directoryCounts.get(exclusion.directory) ?? 0) + 1;
    this.directoryCounts.set(exclusion.directory, count);
    this.add(exclusion.directory, exclusion.reason);
  }

  entries(): { path: string; reason: string }[] {
    return this.order.map((path) => {
      const count = this.directoryCounts.get(path);
      const reason = this.reasons.get(path)!;
      return { path, reason: count === undefined ? reason : `${reason} (${count} ${count === 1 ? "file" : "files"})` };
    });
  }
}
