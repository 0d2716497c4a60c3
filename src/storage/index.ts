export { openStorage, type Storage, type StorageOptions } from "./open-storage.js";
export { DuplicateKeyError, type SqlDb, type Dialect } from "./sql-db.js";
