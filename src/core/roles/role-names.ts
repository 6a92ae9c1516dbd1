export const ROLE_NAMES = ["architect", "developer", "tester", "reviewer", "debugger", "documenter", "summarizer"] as const;

export type RoleName = (typeof ROLE_NAMES)[number];

export function isRoleName(value: string): value is RoleName {
  return (ROLE_NAMES as readonly string[]).includes(value);
}
