import type { ArchitectAnswer } from "../roles/architect.js";

/** One thing a person asked for: a review's body, one inline comment, a `/codegen` instruction, the issue itself. */
export interface RevisionItem {
  /** Shown to the model; its responses refer to it. */
  id: number;
  kind: "task" | "review" | "inline" | "command";
  author: string;
  /** Untrusted text: fenced as data in the prompt. */
  body: string;
  path?: string;
  line?: number;
  diffHunk?: string;
  /** Earlier comments of the thread, by people with write access. */
  thread?: { author: string; body: string }[];
}

export interface RevisionRequest {
  /** One line for people and the prompt, e.g. "review by @alice (changes requested)". */
  summary: string;
  items: RevisionItem[];
  /** The plan of the run that wrote the change, from its snapshot; absent when unknown. */
  plan?: ArchitectAnswer;
}

export interface RevisionResponse {
  item: number;
  reply: string;
}
