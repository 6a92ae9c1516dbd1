/**
 * The shape of the repository context, shared by the module that builds it (repo-context.ts) and the one
 * that renders it (render-context.ts), so neither imports the other for its types.
 */
/** "instructions": the repository's own instruction files (AGENTS.md, CLAUDE.md, …), rendered in their own section. */
export type ContextReason = "instructions" | "manifest" | "named-in-task" | "relevant" | "readme";

export interface RepoContextFile {
  path: string;
  content: string;
  tokens: number;
  reason: ContextReason;
}

export interface RepoContext {
  tree: string;
  files: RepoContextFile[];
  omitted: { path: string; reason: string }[];
  fileCount: number;
  /** Tokens of `renderRepoContext(this)`; never above the budget asked for. */
  totalTokens: number;
  /**
   * Set when `totalTokens` and each file's `tokens` are ceilings (UTF-8 bytes) rather than counts: the
   * context fitted even so, and the tokenizer was not needed (token-meter.ts).
   */
  tokensAreCeilings?: true;
}
