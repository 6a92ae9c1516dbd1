import type { Priority, Todo } from "./types.ts";

const RANK: Record<Priority, number> = { high: 0, normal: 1, low: 2 };

export class TodoStore {
  private readonly todos: Todo[] = [];
  private nextId = 1;

  add(title: string, priority: Priority = "normal"): Todo {
    const todo: Todo = { id: this.nextId++, title: title.trim(), done: false, priority };
    this.todos.push(todo);
    return todo;
  }

  complete(id: number): void {
    const todo = this.todos.find((t) => t.id === id);
    if (!todo) throw new Error(`no todo ${id}`);
    todo.done = true;
  }

  /** Open todos, highest priority first, oldest first within a priority. */
  open(): Todo[] {
    return this.todos.filter((t) => !t.done).sort((a, b) => RANK[a.priority] - RANK[b.priority] || a.id - b.id);
  }
}
