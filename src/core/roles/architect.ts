import { z } from "zod";
import type { RoleSpec } from "./role-spec.js";

export const architectAnswerSchema = z.object({
  summary: z.string().min(1).describe("what will be built, in two or three sentences"),
  steps: z.array(z.string().min(1)).min(1).describe("ordered implementation steps"),
  files: z
    .array(
      z.object({
        path: z.string().min(1),
        action: z.enum(["create", "modify", "delete"]),
        purpose: z.string().min(1),
      }),
    )
    .describe("the files the change will create, modify or delete"),
  test_plan: z.string().min(1).describe("how the change will be tested with the repository's own test framework"),
});
export type ArchitectAnswer = z.infer<typeof architectAnswerSchema>;

export const architect: RoleSpec<ArchitectAnswer> = {
  name: "architect",
  answerDescription: "Submit the implementation plan for the task.",
  temperature: 0.4,
  explores: true,
  schema: architectAnswerSchema,
  instructions: `You are the architect of a small software crew. Read the task and the repository, then plan the smallest
complete change that does what the task asks, in the repository's existing style and structure.
Name every file to create, modify or delete and why. Plan tests in the repository's own test framework.
Do not write code. When you know enough, call the "architect" function with the plan.`,
};
