import { test } from "node:test";
import assert from "node:assert/strict";
import { TodoStore } from "../src/store.ts";
import { formatTodos } from "../src/format.ts";

test("open lists todos that are not done, oldest first", () => {
  const store = new TodoStore();
  store.add("a");
  const b = store.add("b");
  store.add("c");
  store.complete(b.id);
  assert.deepEqual(store.open().map((t) => t.title), ["a", "c"]);
});

test("formatTodos marks done todos", () => {
  assert.equal(formatTodos([{ id: 1, title: "x", done: true }]), "[x] x");
});
