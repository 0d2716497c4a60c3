export { openStorage, type Storage, type StorageOptions } from "./open-storage.js";
export { DuplicateKeyError, type SqlDb, type Dialect } from "./sql-db.js";
export {
  ChangePoller,
  CHANGE_POLL_INTERVAL_MS,
  type ChangePollerOptions,
  type PollerLog,
} from "./change-poller.js";
