import { createRefIfAbsent, deleteRef, objectType, readRef, readTag, writeTag } from "./git-refs.js";
import { HttpError, validationFailed } from "./http-util.js";
import { body, lookups, read, write, type Route, type RouteDependencies } from "./route-kit.js";
import { timestamp } from "./state.js";

/**
 * The Git Data refs and tags endpoints, on the served bare repository itself: a ref created here is a
 * real ref (`git ls-remote` lists it), a tag a real annotated tag object.
 */
export function gitDataRoutes(deps: RouteDependencies): Array<[string, Route]> {
  const { state, reviewViews } = deps;
  const { repoOf } = lookups(state);

  return [
    [
      "git/create-ref",
      write(async (context) => {
        const repo = repoOf(context);
        const input = body(context);
        const ref = String(input.ref);
        const sha = String(input.sha);
        // GitHub: "fully qualified … If it doesn't start with 'refs' and have at least two slashes, it will be rejected."
        if (!/^refs\/[^/]+\/.+/.test(ref) || ref.includes("..") || /[\s~^:?*[\\]|\/$|\.lock$/.test(ref)) throw new HttpError(422, "Reference name is invalid");
        const git = deps.git(repo);
        const type = await objectType(git, sha);
        if (!type) throw new HttpError(422, "Object does not exist");
        if (!(await createRefIfAbsent(git, ref, sha))) throw new HttpError(422, "Reference already exists");
        const json = reviewViews.ref(repo, ref, { sha, type });
        return { status: 201, body: json, headers: { location: String(json.url) } };
      }),
    ],
    [
      "git/get-ref",
      read(async (context) => {
        const repo = repoOf(context);
        const ref = `refs/${context.params.ref ?? ""}`;
        const target = await readRef(deps.git(repo), ref);
        if (!target) throw new HttpError(404, "Not Found");
        return { status: 200, body: reviewViews.ref(repo, ref, target) };
      }),
    ],
    [
      "git/delete-ref",
      write(async (context) => {
        const repo = repoOf(context);
        const ref = `refs/${context.params.ref ?? ""}`;
        if (!(await deleteRef(deps.git(repo), ref))) throw new HttpError(422, "Reference does not exist");
        return { status: 204 };
      }),
    ],
    [
      "git/create-tag",
      write(async (context) => {
        const repo = repoOf(context);
        const input = body(context);
        const git = deps.git(repo);
        const objectSha = String(input.object);
        const type = await objectType(git, objectSha);
        if (!type || type !== input.type) throw validationFailed([{ resource: "Tag", field: "object", code: "invalid" }]);
        const given = (input.tagger ?? {}) as Record<string, unknown>;
        // Without a tagger GitHub uses the authenticated account.
        const tagger = {
          name: typeof given.name === "string" ? given.name : "GitHub Stand-in",
          email: typeof given.email === "string" ? given.email : "stand-in@example.invalid",
          date: typeof given.date === "string" ? timestamp(new Date(given.date)) : timestamp(),
        };
        const sha = await writeTag(git, { tag: String(input.tag), message: String(input.message), object: { sha: objectSha, type }, tagger });
        const tag = await readTag(git, sha);
        if (!tag) throw new Error(`GitHub stand-in: tag ${sha} was written but cannot be read`);
        const json = reviewViews.tag(repo, tag);
        return { status: 201, body: json, headers: { location: String(json.url) } };
      }),
    ],
    [
      "git/get-tag",
      read(async (context) => {
        const repo = repoOf(context);
        const tag = await readTag(deps.git(repo), context.params.tag_sha ?? "");
        if (!tag) throw new HttpError(404, "Not Found");
        return { status: 200, body: reviewViews.tag(repo, tag) };
      }),
    ],
  ];
}
