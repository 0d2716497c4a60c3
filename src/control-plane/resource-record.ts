import { randomUUID } from "node:crypto";
import type { ArmResourceRecord } from "./store.js";

type Contents = Pick<ArmResourceRecord, "id" | "type" | "name" | "parentId" | "body">;

/**
 * The record a PUT stores: a new etag and update stamp every time; id and name spelling,
 * creation time and creator kept from the record it replaces.
 */
export function nextRecord(
  contents: Contents,
  existing: ArmResourceRecord | undefined,
  actor: string | undefined,
  now: number,
): ArmResourceRecord {
  return {
    ...contents,
    id: existing?.id ?? contents.id,
    name: existing?.name ?? contents.name,
    etag: randomUUID(),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    createdBy: existing?.createdBy ?? actor,
    updatedBy: actor,
  };
}
