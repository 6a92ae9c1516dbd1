import { z } from "zod";
import { architectAnswerSchema } from "../roles/architect.js";
import { ROLE_NAMES } from "../roles/role-names.js";

/**
 * What a later run needs to carry on from this one, in the spirit of openai-agents-js's RunState: the plan
 * and who wrote which file. Versioned JSON, stored in report.json and in the stats comment's hidden data;
 * read back as untrusted data (schema-checked; an unreadable snapshot is ignored, never trusted in part).
 */
export const CREW_SNAPSHOT_VERSION = 1;

export const crewSnapshotSchema = z.object({
  version: z.literal(CREW_SNAPSHOT_VERSION),
  plan: architectAnswerSchema.nullable(),
  authorship: z.object({
    authors: z.record(z.string(), z.array(z.enum(ROLE_NAMES))),
    testFiles: z.array(z.string()),
  }),
  /** The commit the snapshot describes. */
  headCommit: z.string(),
});
export type CrewSnapshot = z.infer<typeof crewSnapshotSchema>;

/** A snapshot from stored JSON, or undefined when it is missing, from another version, or malformed. */
export function parseCrewSnapshot(value: unknown): CrewSnapshot | undefined {
  const parsed = crewSnapshotSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
