import { displayPath } from "./display-path.js";
import { buildDirIndex, depthFirst, type DirNode } from "./tree-index.js";

/**
 * The file tree of the prompt, sized by the task rather than by the repository. A repository whose whole tree
 * fits in `maxLines` is listed whole. A larger one is summarised: the top-level entries, the folders of the
 * pinned files (the files whose content the prompt includes: named by the task or picked by relevance) listed
 * in full, every other folder as one line with its file count and a few sample names, and folders opened
 * breadth-first while the summary's lines last. No folder shows more than a capped number of entries; the
 * rest are counted. Pinned files are always visible, whatever the budget.
 */
export interface TreeOptions {
  /** Lines a whole listing may take; a larger tree is summarised. */
  maxLines: number;
  /** Lines the summary may use (pinned paths can exceed it by the few lines they need); half of maxLines by default. */
  summaryLines?: number;
  /** Files that must be visible; their folders are the task's neighbourhood. */
  pinned?: readonly string[];
}

export function renderTree(files: readonly string[], options: TreeOptions): string {
  return createTreeRenderer(files)(options);
}

/** Builds the directory index once, for callers that render the same files at several sizes. */
export function createTreeRenderer(files: readonly string[]): (options: TreeOptions) => string {
  const root = buildDirIndex(files);
  return (options) => {
    if (root.lines <= options.maxLines) return new Layout(root, [], Number.POSITIVE_INFINITY).whole();
    const budget = Math.max(1, Math.floor(options.summaryLines ?? options.maxLines / 2));
    const perFolderCap = Math.max(8, Math.min(40, Math.floor(budget / 3)));
    return new Layout(root, options.pinned ?? [], perFolderCap).summary(budget);
  };
}

/** "pinned": only the entries leading to pinned files; "full": every entry, up to the per-folder cap. */
type Mode = "pinned" | "full";

interface Entries {
  dirs: DirNode[];
  files: string[];
  hidden: number;
}

const SAMPLE_NAMES = 3;
const SAMPLE_CHARS = 40;

class Layout {
  private readonly pinnedFiles: Set<string>;
  private readonly pinnedDirs = new Set<string>([""]);
  private readonly nodes = new Map<string, DirNode>();
  private readonly modes = new Map<string, Mode>();
  private lines = 0;

  constructor(
    private readonly root: DirNode,
    private readonly pinned: readonly string[],
    private readonly cap: number,
  ) {
    this.pinnedFiles = new Set(pinned);
    for (const file of pinned) {
      const segments = file.split("/");
      for (let i = 1; i < segments.length; i += 1) this.pinnedDirs.add(segments.slice(0, i).join("/"));
    }
    for (const node of depthFirst(root)) this.nodes.set(node.path, node);
  }

  whole(): string {
    for (const node of this.nodes.values()) this.modes.set(node.path, "full");
    return this.render();
  }

  summary(budget: number): string {
    // Whatever the budget: the way to every pinned file, and the top level.
    for (const node of this.nodes.values()) if (this.pinnedDirs.has(node.path)) this.open(node, "pinned");
    this.open(this.root, "full");
    // Then the task's neighbourhood, in the order the files were pinned (named before merely relevant).
    for (const file of this.pinned) {
      const folder = this.nodes.get(file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : "");
      if (folder) this.openIfRoom(folder, budget);
    }
    // Then the rest of the structure, shallow folders first.
    let level: DirNode[] = [this.root];
    while (level.length > 0) {
      const next: DirNode[] = [];
      for (const node of level) {
        if (this.worthOpening(node)) this.openIfRoom(node, budget);
        const mode = this.modes.get(node.path);
        if (mode) next.push(...this.entries(node, mode).dirs);
      }
      level = next;
    }
    return this.render();
  }

  /**
   * A wide folder of files away from the task says more as its summary line (count and samples) than as the
   * first of its many names; a folder of folders is worth opening even when capped (its children's summary lines
   * are the structure).
   */
  private worthOpening(node: DirNode): boolean {
    return this.pinnedDirs.has(node.path) || node.dirs.length + node.files.length <= this.cap || node.dirs.length >= node.files.length;
  }

  private openIfRoom(node: DirNode, budget: number): void {
    const current = this.modes.get(node.path);
    if (current === "full") return;
    const extra = this.listingLines(node, "full") - (current ? this.listingLines(node, current) : 0);
    if (this.lines + extra <= budget) this.open(node, "full");
  }

  private open(node: DirNode, mode: Mode): void {
    const current = this.modes.get(node.path);
    this.lines += this.listingLines(node, mode) - (current ? this.listingLines(node, current) : 0);
    this.modes.set(node.path, mode);
  }

  private isPinnedFile(node: DirNode, file: string): boolean {
    return this.pinnedFiles.has(node.path ? `${node.path}/${file}` : file);
  }

  private entries(node: DirNode, mode: Mode): Entries {
    const pinnedDirs = node.dirs.filter((dir) => this.pinnedDirs.has(dir.path));
    const pinnedFiles = node.files.filter((file) => this.isPinnedFile(node, file));
    const childCount = node.dirs.length + node.files.length;
    if (mode === "pinned") return { dirs: pinnedDirs, files: pinnedFiles, hidden: childCount - pinnedDirs.length - pinnedFiles.length };
    if (childCount <= this.cap) return { dirs: node.dirs, files: node.files, hidden: 0 };
    // Over the cap: pinned entries, then the first others in order.
    let room = Math.max(0, this.cap - pinnedDirs.length - pinnedFiles.length);
    const dirs = node.dirs.filter((dir) => this.pinnedDirs.has(dir.path) || (room > 0 && room-- > 0));
    const files = node.files.filter((file) => this.isPinnedFile(node, file) || (room > 0 && room-- > 0));
    return { dirs, files, hidden: childCount - dirs.length - files.length };
  }

  private listingLines(node: DirNode, mode: Mode): number {
    const entries = this.entries(node, mode);
    return entries.dirs.length + entries.files.length + (entries.hidden > 0 ? 1 : 0);
  }

  private render(): string {
    const out: string[] = [];
    const emit = (node: DirNode) => {
      const entries = this.entries(node, this.modes.get(node.path)!);
      const indent = "  ".repeat(node.depth);
      for (const dir of entries.dirs) {
        const name = displayPath(dir.name);
        if (this.modes.has(dir.path)) {
          out.push(`${indent}${name}/`);
          emit(dir);
        } else {
          out.push(`${indent}${name}/ (${plural(dir.total, "file")}: ${samples(dir)})`);
        }
      }
      for (const file of entries.files) out.push(`${indent}${displayPath(file)}`);
      if (entries.hidden > 0) {
        const shown = entries.dirs.reduce((sum, dir) => sum + dir.total, 0) + entries.files.length;
        out.push(`${indent}… ${plural(entries.hidden, "more entry", "more entries")} (${plural(node.total - shown, "file")})`);
      }
    };
    emit(this.root);
    return out.join("\n");
  }
}

/** A few names from a closed folder, shortest first (index.ts, main.go: often the telling ones), its files before its folders. */
function samples(node: DirNode): string {
  const names = [...[...node.files].sort((a, b) => a.length - b.length || (a < b ? -1 : 1)), ...node.dirs.map((dir) => `${dir.name}/`)];
  const shown: string[] = [];
  let chars = 0;
  for (const name of names) {
    const display = displayPath(name);
    if (shown.length >= SAMPLE_NAMES || (shown.length > 0 && chars + display.length > SAMPLE_CHARS)) break;
    shown.push(display);
    chars += display.length + 2;
  }
  return shown.length < names.length ? `${shown.join(", ")}, …` : shown.join(", ");
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
