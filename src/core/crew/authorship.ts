import type { RoleName } from "../roles/role-names.js";
import type { FileChangeAnswer } from "../roles/role-spec.js";
import type { RunWorkspace } from "../workspace/run-workspace.js";

/** Roles that write production code; the tester may not overwrite what these wrote. */
const CODE_AUTHORS: ReadonlySet<RoleName> = new Set(["developer", "debugger"]);

export interface RefusedWrite {
  path: string;
  reason: string;
  agent: RoleName;
}

/** What a snapshot keeps of authorship, so a later revision knows who wrote what. */
export interface AuthorshipRecord {
  authors: Record<string, RoleName[]>;
  testFiles: string[];
}

/**
 * Who wrote which file of the change, which files are the tester's, and what was refused. Every agent
 * write goes through `apply`, which enforces the one authorship rule: tests do not rewrite the code they test.
 */
export class Authorship {
  private readonly authors = new Map<string, Set<RoleName>>();
  private readonly tests = new Set<string>();
  private readonly refusals: RefusedWrite[] = [];
  /** Refusals of the latest apply, told to the next debugger round so it does not repeat them. */
  private latestRefusals: { path: string; reason: string }[] = [];

  constructor(seed?: AuthorshipRecord) {
    for (const [path, roles] of Object.entries(seed?.authors ?? {})) this.authors.set(path, new Set(roles));
    for (const path of seed?.testFiles ?? []) this.tests.add(path);
  }

  get refused(): readonly RefusedWrite[] {
    return this.refusals;
  }

  get pendingRefusals(): readonly { path: string; reason: string }[] {
    return this.latestRefusals;
  }

  get testFiles(): string[] {
    return [...this.tests];
  }

  authorsOf(path: string): RoleName[] {
    return [...(this.authors.get(path) ?? [])];
  }

  /** Writes an agent's files through the change policy; what is refused is recorded, never written. */
  async apply(workspace: RunWorkspace, role: RoleName, answer: FileChangeAnswer): Promise<string[]> {
    const change = { files: [...answer.files], deletions: [...(answer.deletions ?? [])] };
    const refusedHere: { path: string; reason: string }[] = [];
    if (role === "tester") {
      // Tests must not quietly rewrite the code they test (the documenter's edits are checked with round 0's).
      const own = (path: string) => !this.authorsOf(path).some((a) => CODE_AUTHORS.has(a));
      for (const file of change.files.filter((f) => !own(f.path))) {
        refusedHere.push({ path: file.path, reason: `the ${role} may not overwrite code written by the ${this.authorsOf(file.path).join("/")}` });
      }
      change.files = change.files.filter((f) => own(f.path));
      change.deletions = [];
    }
    const result = await workspace.applyChange(change, role);
    refusedHere.push(...result.refused);
    this.refusals.push(...refusedHere.map((r) => ({ ...r, agent: role })));
    this.latestRefusals = refusedHere;
    for (const path of [...result.written, ...result.deleted]) {
      const by = this.authors.get(path) ?? new Set<RoleName>();
      by.add(role);
      this.authors.set(path, by);
      if (role === "tester") this.tests.add(path);
    }
    return [...result.written, ...result.deleted];
  }

  record(): AuthorshipRecord {
    return { authors: Object.fromEntries([...this.authors].map(([path, roles]) => [path, [...roles]])), testFiles: this.testFiles };
  }
}
