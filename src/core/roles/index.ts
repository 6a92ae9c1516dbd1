import { architect } from "./architect.js";
import { debuggerRole } from "./debugger.js";
import { developer } from "./developer.js";
import { documenter } from "./documenter.js";
import { reviewer } from "./reviewer.js";
import type { RoleName } from "./role-names.js";
import type { RoleSpec } from "./role-spec.js";
import { summarizer } from "./summarizer.js";
import { tester } from "./tester.js";

/** Every role by name, each entry keeping its own answer type. */
export const roles = { architect, developer, tester, reviewer, debugger: debuggerRole, documenter, summarizer };

// Fails to compile when a role is missing from the table.
const everyRole: Record<RoleName, RoleSpec<unknown>> = roles;
void everyRole;
