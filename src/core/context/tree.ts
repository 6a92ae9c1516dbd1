import { displayPath } from "./display-path.js";

/**
 * A file tree that stays within a line budget however large the repository: directories are expanded
 * breadth-first while lines remain, the rest shown as `dir/ (N files)`. The directories holding pinned
 * files (the ones whose content the prompt includes) are always opened down to those files.
 */
interface DirNode {
  name: string;
  path: string;
  depth: number;
  dirs: DirNode[];
  files: string[];
  total: number;
}

type Mode = "pinned" | "full";

export interface TreeOptions {
  /** Lines the tree may use (pinned paths can exceed it by the few lines they need). */
  maxLines: number;
  /** Files that must be visible. */
  pinned?: readonly string[];
}

export function renderTree(files: readonly string[], options: TreeOptions): string {
  return createTreeRenderer(files)(options);
}

/** Builds the directory index once, for callers that render the same files at several sizes. */
export function createTreeRenderer(files: readonly string[]): (options: TreeOptions) => string {
  const root = buildTree(files);
  return (options) => renderIndexedTree(root, options);
}

function renderIndexedTree(root: DirNode, options: TreeOptions): string {
  const pinnedFiles = new Set(options.pinned ?? []);
  const pinnedDirs = new Set<string>([""]);
  for (const file of pinnedFiles) {
    const segments = file.split("/");
    for (let i = 1; i < segments.length; i += 1) pinnedDirs.add(segments.slice(0, i).join("/"));
  }
  const perDirectoryCap = Math.max(8, Math.min(60, Math.floor(options.maxLines / 4)));
  const modes = new Map<string, Mode>();
  const isPinned = (node: DirNode) => pinnedDirs.has(node.path);
  const isPinnedFile = (node: DirNode, file: string) => pinnedFiles.has(node.path ? `${node.path}/${file}` : file);

  const visibleEntries = (node: DirNode, mode: Mode): { dirs: DirNode[]; files: string[]; hidden: number } => {
    const pinnedDirChildren = node.dirs.filter(isPinned);
    const pinnedFileChildren = node.files.filter((file) => isPinnedFile(node, file));
    const childCount = node.dirs.length + node.files.length;
    if (mode === "pinned" || childCount <= perDirectoryCap) {
      const dirs = mode === "pinned" ? pinnedDirChildren : node.dirs;
      const shownFiles = mode === "pinned" ? pinnedFileChildren : node.files;
      return { dirs, files: shownFiles, hidden: childCount - dirs.length - shownFiles.length };
    }
    // Over the per-directory cap: pinned entries plus the first others in order.
    let room = Math.max(0, perDirectoryCap - pinnedDirChildren.length - pinnedFileChildren.length);
    const dirs = node.dirs.filter((dir) => isPinned(dir) || (room > 0 && room-- > 0));
    const shownFiles = node.files.filter((file) => isPinnedFile(node, file) || (room > 0 && room-- > 0));
    return { dirs, files: shownFiles, hidden: childCount - dirs.length - shownFiles.length };
  };
  const listingLines = (node: DirNode, mode: Mode) => {
    const entries = visibleEntries(node, mode);
    return entries.dirs.length + entries.files.length + (entries.hidden > 0 ? 1 : 0);
  };

  // Pinned directories open first (whatever the budget), then breadth-first full listings while lines remain.
  let lines = 0;
  const pinnedNodes: DirNode[] = [];
  collect(root, (node) => {
    if (isPinned(node)) pinnedNodes.push(node);
  });
  for (const node of pinnedNodes) {
    modes.set(node.path, "pinned");
    lines += listingLines(node, "pinned");
  }
  let queue: DirNode[] = [root];
  while (queue.length > 0) {
    const next: DirNode[] = [];
    for (const node of queue) {
      const current = modes.get(node.path);
      const extra = listingLines(node, "full") - (current ? listingLines(node, current) : 0);
      if (lines + extra <= options.maxLines) {
        modes.set(node.path, "full");
        lines += extra;
      }
      const mode = modes.get(node.path);
      if (mode) next.push(...visibleEntries(node, mode).dirs);
    }
    queue = next;
  }

  const out: string[] = [];
  const emit = (node: DirNode) => {
    const mode = modes.get(node.path);
    if (!mode) return;
    const entries = visibleEntries(node, mode);
    const indent = "  ".repeat(node.depth);
    for (const dir of entries.dirs) {
      const name = displayPath(dir.name);
      out.push(modes.has(dir.path) ? `${indent}${name}/` : `${indent}${name}/ (${plural(dir.total, "file")})`);
      emit(dir);
    }
    for (const file of entries.files) out.push(`${indent}${displayPath(file)}`);
    if (entries.hidden > 0) {
      const shownFiles = entries.dirs.reduce((sum, dir) => sum + dir.total, 0) + entries.files.length;
      out.push(`${indent}… ${plural(entries.hidden, "more entry", "more entries")} (${plural(node.total - shownFiles, "file")})`);
    }
  };
  emit(root);
  return out.join("\n");
}

function buildTree(files: readonly string[]): DirNode {
  const root: DirNode = { name: "", path: "", depth: 0, dirs: [], files: [], total: 0 };
  const index = new Map<string, DirNode>([["", root]]);
  for (const file of files) {
    const segments = file.split("/");
    const base = segments.pop()!;
    let node = root;
    node.total += 1;
    for (const segment of segments) {
      const childPath = node.path ? `${node.path}/${segment}` : segment;
      let child = index.get(childPath);
      if (!child) {
        child = { name: segment, path: childPath, depth: node.depth + 1, dirs: [], files: [], total: 0 };
        index.set(childPath, child);
        node.dirs.push(child);
      }
      child.total += 1;
      node = child;
    }
    node.files.push(base);
  }
  collect(root, (node) => {
    node.dirs.sort((a, b) => compare(a.name, b.name));
    node.files.sort(compare);
  });
  return root;
}

function collect(node: DirNode, visit: (node: DirNode) => void): void {
  const stack = [node];
  while (stack.length > 0) {
    const current = stack.pop()!;
    visit(current);
    stack.push(...current.dirs);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
