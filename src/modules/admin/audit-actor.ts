import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import { authUser } from "../../middleware/auth";
import type { AuditActor } from "./audit.queries";

/** The admin behind this request, and the request, as audit rows name them. */
export function auditActor(c: Context<AppEnv>): AuditActor {
	return { actorId: authUser(c).id, requestId: c.var.requestId };
}
