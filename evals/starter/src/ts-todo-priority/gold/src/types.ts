export type Priority = "high" | "normal" | "low";

export interface Todo {
  id: number;
  title: string;
  done: boolean;
  priority: Priority;
}
