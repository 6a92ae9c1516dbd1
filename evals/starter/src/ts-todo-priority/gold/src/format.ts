import type { Todo } from "./types.ts";

/** One line per todo: "[ ] title" or "[x] title", with " (!)" after high-priority titles. */
export function formatTodos(todos: readonly Todo[]): string {
  return todos.map((todo) => `${todo.done ? "[x]" : "[ ]"} ${todo.title}${todo.priority === "high" ? " (!)" : ""}`).join("\n");
}
