import { fail, type Failure } from "../core/errors";
import type { SqlStore } from "../storage";

/** Who is calling a group operation: the principal's id, and whether it is an admin (issue 16). */
export interface Actor {
  principal: string;
  admin: boolean;
}

/**
 * Member ids are bearer secrets (issue 16): the principal that joined as a member is recorded,
 * and a heartbeat, leave or commit naming that member from another principal is refused, so
 * seeing a member id (GET /v1/groups/:group) is not enough to act as it. Admins may act as any.
 */
export class MemberOwners {
  constructor(private readonly storage: SqlStore) {}

  check(memberId: string | undefined, actor: Actor | undefined): { ok: true } | Failure {
    if (!memberId || !actor || actor.admin) return { ok: true };
    const row = this.storage.sql.exec<{ principal: string }>("SELECT principal FROM member_owners WHERE member_id = ?", memberId).toArray()[0];
    if (!row || row.principal === actor.principal) return { ok: true };
    return fail("GROUP_AUTHORIZATION_FAILED", `member ${memberId} was joined by another principal; ${actor.principal} may not act as it`, "member_id");
  }

  /** At a successful join; a rejoin keeps the first owner. */
  record(memberId: string, actor: Actor | undefined): void {
    this.storage.sql.exec("INSERT OR IGNORE INTO member_owners (member_id, principal) VALUES (?, ?)", memberId, actor?.principal ?? "anonymous");
  }

  forget(memberId: string): void {
    this.storage.sql.exec("DELETE FROM member_owners WHERE member_id = ?", memberId);
  }

  /** Drops owners of members no longer in the group (expired), so the table follows the group. */
  prune(liveMembers: Iterable<string>): void {
    const live = new Set(liveMembers);
    for (const r of this.storage.sql.exec<{ member_id: string }>("SELECT member_id FROM member_owners").toArray()) {
      if (!live.has(r.member_id)) this.forget(r.member_id);
    }
  }
}
