// Bundles the entry points into self-contained files under dist/ (committed: `npm run check-dist` fails
// when they are stale). ESM bundles need a real `require` for the CommonJS code inside some dependencies.
import { writeFile } from "node:fs/promises";
import { build } from "esbuild";

const banner = {
  js: "import { createRequire as __codegenCrewCreateRequire } from 'node:module'; const require = __codegenCrewCreateRequire(import.meta.url);",
};

await build({
  // app.js is the GitHub App server (`node dist/app.js`); the CLI's `app` and `worker` commands load the same code.
  entryPoints: { cli: "src/cli/index.ts", index: "src/action/index.ts", app: "src/app/main.ts" },
  outdir: "dist",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  banner,
  // Loaded only when the target repository has it, never shipped in the bundle.
  external: ["typescript"],
  legalComments: "none",
  logLevel: "warning",
});

// The tokenizer's thread (src/core/model/tokenizer-thread.ts) loads this file from beside the bundle that
// starts it: the tokenizer's 4 MB of tables stay out of the entry points, which start faster without them.
await build({
  entryPoints: { "token-worker": "src/core/model/token-worker.mjs" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  legalComments: "none",
  logLevel: "warning",
});

// The bundles are ES modules. Without a "type" beside them node first tries each as CommonJS and then
// re-reads it for module syntax (~0.1 s for the Action's 2.9 MB bundle); this file says it at once, also
// where dist/ is copied without the repository's own package.json.
await writeFile("dist/package.json", `${JSON.stringify({ type: "module" }, null, 2)}\n`);
