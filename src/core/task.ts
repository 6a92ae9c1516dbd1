/**
 * A task is what the crew is asked to do. Its title, body and comments are untrusted text written by
 * people the bot does not necessarily trust: they reach prompts only through `renderTaskForPrompt`
 * (src/core/intake.ts), which sanitises, caps and delimits them as data.
 */
export interface TaskComment {
  author: string;
  body: string;
  /** Whether the author has write access; only trusted comments reach the agents. */
  trusted: boolean;
}

export interface Task {
  title: string;
  body: string;
  comments: TaskComment[];
  /** Where the task came from: "cli", "issue", … */
  source: string;
  /** e.g. "owner/repo#12"; shown in reports, never interpreted. */
  reference?: string;
}
