import type {
  AuthzStore,
  Permission,
  PrincipalType,
  RoleAssignment,
  RoleDefinition,
  RoleType,
} from "../authz/index.js";
import {
  type Clock,
  DuplicateAssignmentError,
  DuplicateKeyError,
  systemClock,
} from "../kernel/index.js";
import { appendChange, lockChangeFeed } from "./sql-change-feed.js";
import type { Row, SqlDb, SqlValue } from "./sql-db.js";

const str = (value: unknown): string => value as string;
const orNull = (value: string | number | undefined): SqlValue => value ?? null;

/** Optional fields are left out, not set to undefined, so records compare like the originals. */
function present<T extends object>(record: T): T {
  return Object.fromEntries(
    Object.entries(record).filter(([, value]) => value !== null && value !== undefined),
  ) as T;
}

function toRoleDefinition(row: Row): RoleDefinition {
  return present({
    id: str(row.id),
    roleName: str(row.role_name),
    description: str(row.description),
    type: row.type as RoleType,
    permissions: JSON.parse(str(row.permissions)) as Permission[],
    assignableScopes: JSON.parse(str(row.assignable_scopes)) as string[],
    createdOn: row.created_on === null ? undefined : Number(row.created_on),
    updatedOn: row.updated_on === null ? undefined : Number(row.updated_on),
    createdBy: row.created_by as string | undefined,
    updatedBy: row.updated_by as string | undefined,
  });
}

function toRoleAssignment(row: Row): RoleAssignment {
  return present({
    name: str(row.name),
    scope: str(row.scope),
    displayScope: row.display_scope as string | undefined,
    roleDefinitionId: str(row.role_definition_id),
    principalId: str(row.principal_id),
    principalType: row.principal_type as PrincipalType,
    description: row.description as string | undefined,
    condition: row.condition as string | undefined,
    conditionVersion: row.condition_version as string | undefined,
    createdOn: Number(row.created_on),
    updatedOn: Number(row.updated_on),
    createdBy: row.created_by as string | undefined,
    updatedBy: row.updated_by as string | undefined,
  });
}

/** Role GUIDs, assignment names and principal ids are stored lowercase; so are scopes. */
const identity = (a: RoleAssignment) => ({
  name: a.name.toLowerCase(),
  scope: a.scope.toLowerCase(),
  roleDefinitionId: a.roleDefinitionId.toLowerCase(),
  principalId: a.principalId.toLowerCase(),
});

export class SqlAuthzStore implements AuthzStore {
  constructor(
    private readonly db: SqlDb,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Takes the change-feed lock first, so authorization writes are serialised across replicas. */
  transaction<T>(work: (store: AuthzStore) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await lockChangeFeed(tx);
      return work(new SqlAuthzStore(tx, this.clock));
    });
  }

  /** One write and its change row, in one transaction (or in the caller's). */
  private write<T>(
    work: (tx: SqlDb, change: (entity: string, key: string) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction(async (tx) => {
      await lockChangeFeed(tx);
      return work(tx, (entity, key) => appendChange(tx, entity, key, this.clock.now()));
    });
  }

  async listCustomRoleDefinitions(): Promise<RoleDefinition[]> {
    const rows = await this.db.query("SELECT * FROM role_definitions ORDER BY role_name, id");
    return rows.map(toRoleDefinition);
  }

  async getCustomRoleDefinition(id: string): Promise<RoleDefinition | undefined> {
    const rows = await this.db.query("SELECT * FROM role_definitions WHERE id = ?", [
      id.toLowerCase(),
    ]);
    return rows[0] && toRoleDefinition(rows[0]);
  }

  putCustomRoleDefinition(role: RoleDefinition): Promise<void> {
    const id = role.id.toLowerCase();
    return this.write(async (tx, change) => {
      // Both dialects know `ON CONFLICT … DO UPDATE` and `excluded`; creation fields stay.
      await tx.execute(
        `INSERT INTO role_definitions (id, role_name, description, type, permissions,
          assignable_scopes, created_on, updated_on, created_by, updated_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET role_name = excluded.role_name,
          description = excluded.description, type = excluded.type,
          permissions = excluded.permissions, assignable_scopes = excluded.assignable_scopes,
          updated_on = excluded.updated_on, updated_by = excluded.updated_by`,
        [
          id,
          role.roleName,
          role.description,
          role.type,
          JSON.stringify(role.permissions),
          JSON.stringify(role.assignableScopes),
          orNull(role.createdOn),
          orNull(role.updatedOn),
          orNull(role.createdBy),
          orNull(role.updatedBy),
        ],
      );
      await change("roleDefinition", id);
    });
  }

  deleteCustomRoleDefinition(id: string): Promise<boolean> {
    const key = id.toLowerCase();
    return this.write(async (tx, change) => {
      const deleted = await tx.execute("DELETE FROM role_definitions WHERE id = ?", [key]);
      if (deleted === 0) return false;
      await change("roleDefinition", key);
      return true;
    });
  }

  async listRoleAssignments(): Promise<RoleAssignment[]> {
    const rows = await this.db.query("SELECT * FROM role_assignments ORDER BY created_on, name");
    return rows.map(toRoleAssignment);
  }

  async getRoleAssignment(name: string): Promise<RoleAssignment | undefined> {
    const rows = await this.db.query("SELECT * FROM role_assignments WHERE name = ?", [
      name.toLowerCase(),
    ]);
    return rows[0] && toRoleAssignment(rows[0]);
  }

  insertRoleAssignment(assignment: RoleAssignment): Promise<void> {
    const id = identity(assignment);
    return this.write(async (tx, change) => {
      // DO NOTHING rather than a unique violation: PostgreSQL aborts a transaction on a
      // violation, and the next two reads must still run to tell which key collided.
      const inserted = await tx.execute(
        `INSERT INTO role_assignments (name, scope, display_scope, role_definition_id, principal_id,
          principal_type, description, condition, condition_version,
          created_on, updated_on, created_by, updated_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        [
          id.name,
          id.scope,
          orNull(assignment.displayScope),
          id.roleDefinitionId,
          id.principalId,
          assignment.principalType,
          orNull(assignment.description),
          orNull(assignment.condition),
          orNull(assignment.conditionVersion),
          assignment.createdOn,
          assignment.updatedOn,
          orNull(assignment.createdBy),
          orNull(assignment.updatedBy),
        ],
      );
      if (inserted === 0) throw await this.collision(tx, id);
      await change("roleAssignment", id.name);
    });
  }

  /** Which unique key an insert that did nothing ran into. */
  private async collision(tx: SqlDb, id: ReturnType<typeof identity>): Promise<Error> {
    const byName = await tx.query("SELECT name FROM role_assignments WHERE name = ?", [id.name]);
    if (byName.length > 0) return new DuplicateKeyError(`role assignment ${id.name} exists`);
    const same = await tx.query<{ name: string }>(
      `SELECT name FROM role_assignments
       WHERE principal_id = ? AND role_definition_id = ? AND scope = ?`,
      [id.principalId, id.roleDefinitionId, id.scope],
    );
    // Under the feed lock no writer can remove the row in between; stay correct regardless.
    return same[0]
      ? new DuplicateAssignmentError(same[0].name)
      : new DuplicateKeyError(`role assignment ${id.name} collided with a removed one`);
  }

  updateRoleAssignment(assignment: RoleAssignment): Promise<boolean> {
    const id = identity(assignment);
    return this.write(async (tx, change) => {
      const updated = await tx.execute(
        `UPDATE role_assignments SET principal_type = ?, description = ?, condition = ?,
          condition_version = ?, updated_on = ?, updated_by = ?
         WHERE name = ? AND scope = ? AND role_definition_id = ? AND principal_id = ?`,
        [
          assignment.principalType,
          orNull(assignment.description),
          orNull(assignment.condition),
          orNull(assignment.conditionVersion),
          assignment.updatedOn,
          orNull(assignment.updatedBy),
          id.name,
          id.scope,
          id.roleDefinitionId,
          id.principalId,
        ],
      );
      if (updated === 0) return false;
      await change("roleAssignment", id.name);
      return true;
    });
  }

  deleteRoleAssignment(name: string): Promise<RoleAssignment | undefined> {
    const key = name.toLowerCase();
    return this.write(async (tx, change) => {
      const rows = await tx.query("DELETE FROM role_assignments WHERE name = ? RETURNING *", [key]);
      if (!rows[0]) return undefined;
      await change("roleAssignment", key);
      return toRoleAssignment(rows[0]);
    });
  }
}
