import type { Todo } from "./types.ts";

/** One line per todo: "[ ] title" or "[x] title". */
export function formatTodos(todos: readonly Todo[]): string {
  return todos.map((todo) => `${todo.done ? "[x]" : "[ ]"} ${todo.title}`).join("\n");
}
