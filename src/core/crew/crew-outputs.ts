import type { CheckResult } from "../report/run-report.js";
import type { ArchitectAnswer } from "../roles/architect.js";
import type { FileChangeAnswer } from "../roles/role-spec.js";
import type { ReviewerAnswer } from "../roles/reviewer.js";
import type { SummarizerAnswer } from "../roles/summarizer.js";
import type { AnyPhaseNode } from "./phase-graph.js";
import type { RepairResult } from "./repair-loop.js";
import type { RevisionResponse } from "./revision-request.js";
import type { Validation } from "./validation.js";

/**
 * An authoring agent's answer before it is written. The call does not wait for the dependency install; the
 * write does (the "change" phase), so the install always sees the repository's own manifests and lock file.
 */
export interface DraftChange {
  startedAt: number;
  author: "developer" | "debugger";
  answer: FileChangeAnswer;
  /** Whether the tester should write tests for it (always for a new change; a revision decides). */
  wantsTests: boolean;
  /** Whether the documenter should document it (always for a new change; a revision decides). */
  wantsDocs: boolean;
  /** A revision's reply to each request item. */
  responses?: RevisionResponse[];
}

/** The change an authoring phase made, and what it says the rest of the crew must still do. */
export interface AuthoredChange {
  startedAt: number;
  /** Files written or deleted. */
  files: string[];
  /** Whether the tester should write tests for it (always for a new change; a revision decides). */
  needsTests: boolean;
  /** Whether the documenter should document it (always for a new change; a revision decides). */
  needsDocs: boolean;
  /** A revision's reply to each request item. */
  responses?: RevisionResponse[];
}

/** Every phase output a workflow can produce, by node id. A workflow uses some of these nodes. */
export interface CrewOutputs {
  intake: string;
  /** The shared system message of every agent: preamble, repository context, task. */
  context: string;
  prepare: Validation;
  plan: ArchitectAnswer;
  draft: DraftChange;
  change: AuthoredChange;
  tester: void;
  reviewer: ReviewerAnswer;
  "static-checks": CheckResult;
  tests: CheckResult[];
  repair: RepairResult;
  /** The files the documenter wrote (none when it was skipped or had nothing to add). */
  documenter: string[];
  /** Null when the summary was not rewritten (a revision that changed nothing keeps the PR's text). */
  summarizer: SummarizerAnswer | null;
}

export type CrewNode = AnyPhaseNode<CrewOutputs>;
