import type { Todo } from "./types.ts";

export class TodoStore {
  private readonly todos: Todo[] = [];
  private nextId = 1;

  add(title: string): Todo {
    const todo: Todo = { id: this.nextId++, title: title.trim(), done: false };
    this.todos.push(todo);
    return todo;
  }

  complete(id: number): void {
    const todo = this.todos.find((t) => t.id === id);
    if (!todo) throw new Error(`no todo ${id}`);
    todo.done = true;
  }

  /** Open todos, oldest first. */
  open(): Todo[] {
    return this.todos.filter((t) => !t.done);
  }
}
