import { CHANGE_RULES, fileChangeAnswerSchema, type FileChangeAnswer, type RoleSpec } from "./role-spec.js";

export const tester: RoleSpec<FileChangeAnswer> = {
  name: "tester",
  answerDescription: "Submit the test files for the change, each with its full content.",
  temperature: 0.1,
  explores: true,
  schema: fileChangeAnswerSchema,
  instructions: `You are the tester of a small software crew. Write tests for the change, in the repository's own test framework
and layout, so that the repository's test command runs them. Test the behaviour the task asks for, including edge
cases, against the public interface. Only write test files: never change the production code you are testing.
${CHANGE_RULES}
Call the "tester" function with your test files.`,
};
