/**
 * The directory index a file tree is rendered from: one node per folder with its sorted entries, the files
 * below it and the lines its whole listing would take.
 */
export interface DirNode {
  name: string;
  /** Repository-relative, "" for the root. */
  path: string;
  depth: number;
  dirs: DirNode[];
  files: string[];
  /** Files anywhere below this folder. */
  total: number;
  /** Lines of this folder's whole listing (every folder and file below it, one line each). */
  lines: number;
}

export function buildDirIndex(files: readonly string[]): DirNode {
  const root: DirNode = { name: "", path: "", depth: 0, dirs: [], files: [], total: 0, lines: 0 };
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
        child = { name: segment, path: childPath, depth: node.depth + 1, dirs: [], files: [], total: 0, lines: 0 };
        index.set(childPath, child);
        node.dirs.push(child);
      }
      child.total += 1;
      node = child;
    }
    node.files.push(base);
  }
  for (const node of depthFirst(root)) {
    node.dirs.sort((a, b) => compareNames(a.name, b.name));
    node.files.sort(compareNames);
  }
  countLines(root);
  return root;
}

/** Every folder, parents before children. */
export function depthFirst(root: DirNode): DirNode[] {
  const out: DirNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.push(node);
    for (let i = node.dirs.length - 1; i >= 0; i -= 1) stack.push(node.dirs[i]!);
  }
  return out;
}

/** Children before parents, without recursion (a deep chain of folders must not overflow the stack). */
function countLines(root: DirNode): void {
  const order = depthFirst(root);
  for (let i = order.length - 1; i >= 0; i -= 1) {
    const node = order[i]!;
    node.lines = node.files.length + node.dirs.reduce((sum, dir) => sum + 1 + dir.lines, 0);
  }
}

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
