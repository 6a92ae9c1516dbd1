import { test } from "node:test";
import assert from "node:assert/strict";
import { TodoStore } from "../src/store.ts";
import { formatTodos } from "../src/format.ts";

test("todos are normal priority by default", () => {
  assert.equal(new TodoStore().add("a").priority, "normal");
});

test("open lists high before normal before low, oldest first within a priority", () => {
  const store = new TodoStore();
  store.add("low one", "low");
  store.add("normal one");
  store.add("high one", "high");
  store.add("high two", "high");
  assert.deepEqual(store.open().map((t) => t.title), ["high one", "high two", "normal one", "low one"]);
});

test("formatTodos flags high-priority todos", () => {
  const store = new TodoStore();
  store.add("ship it", "high");
  store.add("tidy up", "low");
  assert.equal(formatTodos(store.open()), "[ ] ship it (!)\n[ ] tidy up");
});
