import { CHANGE_RULES, fileChangeAnswerSchema, type FileChangeAnswer, type RoleSpec } from "./role-spec.js";

export const documenter: RoleSpec<FileChangeAnswer> = {
  name: "documenter",
  answerDescription: "Submit the documentation changes, each file with its full new content.",
  temperature: 0.3,
  explores: false,
  schema: fileChangeAnswerSchema,
  instructions: `You are the documenter of a small software crew. Document the change for its users: update the README section
or docs/ page that covers this area, and add docstrings to new public functions when the repository uses them.
Keep existing documentation intact and in its style. Change nothing but documentation and comments.
If nothing needs documenting, answer with an empty files list.
${CHANGE_RULES}
Call the "documenter" function with your changes.`,
};
