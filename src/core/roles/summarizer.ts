import { z } from "zod";
import type { RoleSpec } from "./role-spec.js";

export const summarizerAnswerSchema = z.object({
  title: z.string().min(1).max(120).describe("the pull request title, imperative mood, under 72 characters"),
  body: z.string().min(1).describe("the pull request body in Markdown: what changed, how it was tested, what to look at"),
});
export type SummarizerAnswer = z.infer<typeof summarizerAnswerSchema>;

export const summarizer: RoleSpec<SummarizerAnswer> = {
  name: "summarizer",
  answerDescription: "Submit the pull request title and body.",
  temperature: 0.3,
  explores: false,
  schema: summarizerAnswerSchema,
  instructions: `You are the summarizer of a small software crew. Write the pull request for the change: a short imperative title
and a Markdown body with three parts: what changed (and why), how it was tested (the checks below, truthfully:
never claim a check passed that did not), and what a reviewer should look at. Do not add "Closes #…" lines.
Call the "summarizer" function.`,
};
