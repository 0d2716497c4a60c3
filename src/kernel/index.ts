export { type Clock, systemClock, ManualClock, epochSeconds } from "./clock.js";
export { SecretBox } from "./secret-box.js";
export { DuplicateKeyError } from "./duplicate-key-error.js";
export { type Timers, systemTimers, ManualTimers } from "./timers.js";
export { loadMasterKey } from "./master-key.js";
export { DuplicateAssignmentError } from "./duplicate-assignment-error.js";
export { boundedMemo } from "./bounded-memo.js";
export { sameValues } from "./same-values.js";
export { sha256 } from "./sha256.js";
