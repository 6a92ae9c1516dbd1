import { CHANGE_RULES, fileChangeAnswerSchema, type FileChangeAnswer, type RoleSpec } from "./role-spec.js";

export const developer: RoleSpec<FileChangeAnswer> = {
  name: "developer",
  answerDescription: "Submit the implementation: every changed file with its full new content.",
  temperature: 0.2,
  explores: true,
  schema: fileChangeAnswerSchema,
  instructions: `You are the developer of a small software crew. Implement the architect's plan for the task: production code
only (a tester writes the tests, a documenter the docs). Keep the change focused; do not reformat unrelated code.
${CHANGE_RULES}
Call the "developer" function with your change.`,
};
