/**
 * One error tree for the whole core. Errors carry their context (phase, agent, file, key) as fields so
 * that an entry point can render them once, at the edge, without parsing messages.
 */
export type Phase = "intake" | "context" | "architect" | "developer" | "tester" | "reviewer" | "static-checks" | "tests" | "debugger" | "documenter" | "summarizer" | "publish";

export interface ErrorContext {
  phase?: Phase | undefined;
  agent?: string | undefined;
  path?: string | undefined;
}

export class CrewError extends Error {
  readonly context: ErrorContext;
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.context = context;
  }
}

/** A config file or option is wrong: names the file, the key and what was expected. */
export class ConfigError extends CrewError {
  readonly file: string | undefined;
  readonly key: string | undefined;
  constructor(message: string, details: { file?: string; key?: string } = {}) {
    super(message, { path: details.file });
    this.file = details.file;
    this.key = details.key;
  }
}

export type ModelErrorKind = "rate-limited" | "server" | "timeout" | "connection" | "bad-request" | "auth" | "malformed-response" | "invalid-answer" | "truncated";

/** A model call failed for good (after its retries). */
export class ModelError extends CrewError {
  readonly kind: ModelErrorKind;
  readonly status: number | undefined;
  readonly attempts: number;
  constructor(message: string, details: { kind: ModelErrorKind; status?: number; attempts?: number; context?: ErrorContext }, options?: { cause?: unknown }) {
    super(message, details.context ?? {}, options);
    this.kind = details.kind;
    this.status = details.status;
    this.attempts = details.attempts ?? 1;
  }
}

export type BudgetLimit = "tokens" | "cost_usd" | "minutes";

/** Raised before a call that would exceed the run's budget; the run stops cleanly and keeps its work. */
export class BudgetExceededError extends CrewError {
  readonly limit: BudgetLimit;
  readonly used: number;
  readonly max: number;
  constructor(limit: BudgetLimit, used: number, max: number, context: ErrorContext = {}) {
    const unit = limit === "cost_usd" ? "USD" : limit;
    super(`run budget reached: ${limit} ${round(used)} of ${round(max)} ${unit}`, context);
    this.limit = limit;
    this.used = used;
    this.max = max;
  }
}

/** The workspace (git, files on disk) could not be prepared or changed. */
export class WorkspaceError extends CrewError {}

/** A run was cancelled from outside (Ctrl-C, label removed, shutdown). */
export class CancelledError extends CrewError {}

/** A replayed run asked for a call that the transcript does not have. */
export class ReplayMismatchError extends CrewError {}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(4);
}

/** The single place that turns an unknown thrown value into a message. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}

/** "[developer] model call failed: …" — the one rendering used by every entry point. */
export function describeError(error: unknown): string {
  if (error instanceof CrewError) {
    const where = [error.context.phase, error.context.agent && error.context.agent !== error.context.phase ? error.context.agent : undefined, error.context.path]
      .filter(Boolean)
      .join(", ");
    return where ? `${error.name} (${where}): ${error.message}` : `${error.name}: ${error.message}`;
  }
  return errorMessage(error);
}

/** An eval suite (tasks.jsonl or a SWE-bench file) is malformed: names the file, the line and the field. */
export class SuiteError extends ConfigError {
  readonly line: number | undefined;
  constructor(message: string, details: { file?: string; line?: number; key?: string } = {}) {
    super(message, { ...(details.file ? { file: details.file } : {}), ...(details.key ? { key: details.key } : {}) });
    this.line = details.line;
  }
}
