// Bundles the entry points into self-contained files under dist/ (committed: `npm run check-dist` fails
// when they are stale). ESM bundles need a real `require` for the CommonJS code inside some dependencies.
import { writeFile } from "node:fs/promises";
import { build } from "esbuild";

const banner = {
  js: "import { createRequire as __codegenCrewCreateRequire } from 'node:module'; const require = __codegenCrewCreateRequire(import.meta.url);",
};

/**
 * @actions/core imports @actions/http-client (and with it a 770 KB copy of undici) for OIDC tokens, and
 * @actions/exec for `platform.getDetails()`: the Action uses neither, yet node parsed and ran them on every
 * start (2.9 → 2.1 MB; ~65 ms of start-up). They are left out; calling either says so.
 */
const leftOut = {
  name: "left-out",
  setup(builder) {
    builder.onResolve({ filter: /^@actions\/(?:http-client(?:\/lib\/auth)?|exec)$/ }, (args) => ({ path: args.path, namespace: "left-out" }));
    builder.onLoad({ filter: /.*/, namespace: "left-out" }, (args) => {
      const names = args.path === "@actions/exec" ? ["exec", "getExecOutput"] : ["HttpClient", "BearerCredentialHandler"];
      const fail = `throw new Error("codegen-crew's bundle leaves out ${args.path} (OIDC tokens and platform details are not used)");`;
      return { contents: names.map((name) => `export function ${name}() { ${fail} }`).join("\n"), loader: "js" };
    });
  },
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
  plugins: [leftOut],
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
