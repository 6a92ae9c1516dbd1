import { hasWriteAccess, type ForgeClient, type IssueInfo, type Permission } from "../forge/forge-client.js";
import type { Task } from "../task.js";

/**
 * The task from an issue: title, body and the discussion. Every comment is kept with its author, but only
 * comments by people with write access are marked trusted, and only those reach the agents.
 */
export async function buildIssueTask(forge: ForgeClient, issue: IssueInfo, comments: { author: string; body: string }[]): Promise<Task> {
  const permissions = new Map<string, Promise<Permission>>();
  const permission = (user: string) => {
    if (!permissions.has(user))
      permissions.set(
        user,
        forge.getPermission(user).catch(() => "none" as const),
      );
    return permissions.get(user)!;
  };
  const taskComments = await Promise.all(comments.map(async (c) => ({ author: c.author, body: c.body, trusted: hasWriteAccess(await permission(c.author)) })));
  return {
    title: issue.title,
    body: issue.body,
    comments: taskComments,
    source: "issue",
    reference: `${forge.owner}/${forge.repo}#${issue.number}`,
  };
}
