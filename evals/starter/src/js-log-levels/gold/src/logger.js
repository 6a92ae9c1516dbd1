import { LEVELS, parseLevel } from "./levels.js";

/**
 * A logger that writes "LEVEL message" lines to `sink` (default console.log) for messages at or above
 * `level` (default "info").
 */
export function createLogger({ level = "info", sink = console.log } = {}) {
  const threshold = LEVELS[parseLevel(level)];
  const write = (name, message) => {
    if (LEVELS[name] >= threshold) sink(`${name.toUpperCase()} ${message}`);
  };
  return {
    debug: (message) => write("debug", message),
    info: (message) => write("info", message),
    warn: (message) => write("warn", message),
    error: (message) => write("error", message),
  };
}
