import { z } from "zod";
import type { RoleName } from "./role-names.js";

/**
 * A role is configuration, not behaviour: what the agent is told, how creative it may be, and the shape
 * of the one answer it must give. `callAgent` (src/core/agent/call-agent.ts) does the calling.
 */
export interface RoleSpec<T> {
  name: RoleName;
  /** The description of the role's answer function, shown to the model. */
  answerDescription: string;
  instructions: string;
  temperature: number;
  schema: z.ZodType<T>;
  /** Whether the agent may explore the repository with read-only tools before answering. */
  explores: boolean;
}

/** The JSON schema sent as the function's parameters (or as response_format's schema). */
export function answerJsonSchema(spec: RoleSpec<unknown>): Record<string, unknown> {
  const schema = z.toJSONSchema(spec.schema, { io: "input" }) as Record<string, unknown>;
  // Some OpenAI-compatible servers reject the meta-schema key; it carries no constraint.
  delete schema.$schema;
  return schema;
}

export const fileContentSchema = z.object({
  path: z.string().min(1).describe("repository-relative path, forward slashes"),
  content: z.string().describe("the complete new content of the file"),
});

export const fileChangeAnswerSchema = z.object({
  summary: z.string().min(1).describe("one or two sentences: what this change does"),
  files: z.array(fileContentSchema).describe("every file to create or replace, each with its full new content"),
  deletions: z.array(z.string().min(1)).optional().describe("paths of files to delete"),
});
export type FileChangeAnswer = z.infer<typeof fileChangeAnswerSchema>;

export const CHANGE_RULES = `Rules for file changes:
- Give each file's COMPLETE new content, never a diff or an excerpt with "..." placeholders.
- Paths are relative to the repository root with forward slashes. Do not touch .git/, CI workflow files or secret files.
- Match the repository's language, module system, style and test framework as shown in the context.`;
