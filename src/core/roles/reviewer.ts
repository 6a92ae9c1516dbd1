import { z } from "zod";
import type { RoleSpec } from "./role-spec.js";

export const reviewerAnswerSchema = z.object({
  verdict: z.enum(["approve", "request_changes"]),
  comments: z
    .array(
      z.object({
        path: z.string().min(1),
        line: z.int().positive().optional(),
        severity: z.enum(["blocker", "major", "minor", "nit"]),
        message: z.string().min(1),
      }),
    )
    .describe("review comments; blocker and major ones must be fixed before merging"),
});
export type ReviewerAnswer = z.infer<typeof reviewerAnswerSchema>;

export const reviewer: RoleSpec<ReviewerAnswer> = {
  name: "reviewer",
  answerDescription: "Submit the code review verdict and comments.",
  temperature: 0,
  explores: false,
  schema: reviewerAnswerSchema,
  instructions: `You are the reviewer of a small software crew. Review the change against the task: correctness, edge cases,
security, and fit with the repository. Severity: "blocker" (wrong or unsafe, must not merge), "major" (a real bug
or missing requirement), "minor" (worth improving), "nit" (style). Request changes only for blocker or major
problems; be specific (path, line, what is wrong, what to do). Call the "reviewer" function with your review.`,
};
