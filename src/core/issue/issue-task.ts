import { hasWriteAccess, type ForgeClient, type IssueInfo, type Permission } from "../forge/forge-client.js";
import type { Task } from "../task.js";

/** Whether a login has write access, looked up once per login (a run asks for the same people many times). */
export function writeAccessCache(forge: ForgeClient): (login: string) => Promise<boolean> {
  const seen = new Map<string, Promise<Permission>>();
  return async (login) => {
    if (!seen.has(login))
      seen.set(
        login,
        forge.getPermission(login).catch(() => "none" as const),
      );
    return hasWriteAccess(await seen.get(login)!);
  };
}

/**
 * The task from an issue: title, body and the discussion. Every comment is kept with its author, but only
 * comments by people with write access are marked trusted, and only those reach the agents.
 */
export async function buildIssueTask(
  forge: ForgeClient,
  issue: IssueInfo,
  comments: { author: string; body: string }[],
  trusted: (login: string) => Promise<boolean> = writeAccessCache(forge),
): Promise<Task> {
  const taskComments = await Promise.all(comments.map(async (c) => ({ author: c.author, body: c.body, trusted: await trusted(c.author) })));
  return {
    title: issue.title,
    body: issue.body,
    comments: taskComments,
    source: "issue",
    reference: `${forge.owner}/${forge.repo}#${issue.number}`,
  };
}
