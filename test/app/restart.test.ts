import { afterAll, describe, expect, it, onTestFailed } from "vitest";
import type { QueueEvent } from "../../src/app/queue-events.js";
import type { RunningApp } from "../../src/app/start-app.js";
import type { Reply } from "../../src/demo/chat-completions-server.js";
import { readStatusState, STATUS_MARKER } from "../../src/core/issue/status-comment.js";
import { addLabelledIssue, addRepo, deliver, labeled, OWNER, shoutAnswer, spawnCli, startTestApp, startWorld, waitFor, type AppWorld, type ChildApp } from "./app-fixture.js";

let world: AppWorld | undefined;
let first: ChildApp | undefined;
let second: RunningApp | undefined;
afterAll(async () => {
  first?.child.kill("SIGKILL");
  await second?.close(5_000);
  await world?.close();
});

describe("restart with work in flight", () => {
  it("SIGTERM stops taking jobs and exits after the deadline; the next start reconciles with GitHub and finishes both issues", async () => {
    onTestFailed(() => console.log(`first app:\n${[...(first?.text ?? []), ...(first?.lines ?? []).map((line) => `${line.time} ${line.msg}`)].join("\n")}`));
    let hung = false;
    // The first process's first model call never returns: its job is mid-run when the process is told to stop.
    world = await startWorld({ respond: (request): Reply => (hung ? shoutAnswer(request) : ((hung = true), { kind: "hang" })) });
    await addRepo(world, "text-tools");

    first = spawnCli("app", { ...world.env, CODEGEN_CONCURRENCY: "1", CODEGEN_SHUTDOWN_TIMEOUT_SECONDS: "0.5", LOG_LEVEL: "info" });
    const listening = await waitFor("the app to listen", () => first!.lines.find((line) => typeof line.url === "string" && /listening/.test(line.msg)), 20_000);
    await waitFor("the startup reconciliation", () => first!.lines.some((line) => line.reconcile !== undefined), 10_000);
    const url = listening.url as string;
    expect((await fetch(`${url}/health`)).status).toBe(200);

    await addLabelledIssue(world, "text-tools", 1);
    await addLabelledIssue(world, "text-tools", 2);
    expect((await deliver(url, "issues", labeled(world, "text-tools", 1))).status).toBe(200);
    expect((await deliver(url, "issues", labeled(world, "text-tools", 2))).status).toBe(200);
    await waitFor("job 1 to be mid-run", () => world!.model.requests.length === 1, 15_000);

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.lines.map((line) => line.msg)).toEqual(expect.arrayContaining([expect.stringMatching(/^SIGTERM: no new jobs/), "stopped"]));
    // GitHub's view after the stop: #1 says "running" forever, #2 was never started.
    const status1 = world.github.comments(OWNER, "text-tools", 1).find((comment) => comment.body.includes(STATUS_MARKER));
    expect(readStatusState(status1!.body)?.state).toBe("running");
    expect(world.github.comments(OWNER, "text-tools", 2)).toEqual([]);
    expect(world.github.pullRequests(OWNER, "text-tools")).toEqual([]);

    const restarted = await startTestApp(world);
    second = restarted.app;
    const events: QueueEvent[] = [];
    second.jobEvents!.subscribe((event) => events.push(event));
    await waitFor("both issues to be finished", () => events.filter((event) => event.type === "finished").length === 2, 60_000);

    expect(
      events
        .filter((event) => event.type === "started")
        .map((event) => [event.job.item.issue, event.job.origin, event.job.item.trigger.sender])
        .sort(),
    ).toEqual([
      [1, "reconcile", "alice"],
      [2, "reconcile", "alice"],
    ]);
    expect(
      world.github
        .pullRequests(OWNER, "text-tools")
        .map((pr) => pr.pullRequest!.headRef)
        .sort(),
    ).toEqual(["codegen-crew/issue-1", "codegen-crew/issue-2"]);
    // The crashed run's status comment was taken over, not duplicated.
    const statuses = world.github.comments(OWNER, "text-tools", 1).filter((comment) => comment.body.includes(STATUS_MARKER));
    expect(statuses).toHaveLength(1);
    expect(readStatusState(statuses[0]!.body)?.state).toBe("ready");

    // A second pass finds nothing left to do.
    expect(await second.reconcile()).toMatchObject({ candidates: 0, enqueued: 0, errors: 0 });
    expect(world.github.violations).toEqual([]);
  });
});
