import { randomInt } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const KEY_LENGTH = 84;

/** A new account key: 84 random characters like Azure's (≈ 500 bits). */
export function generateAccountKey(): string {
  let key = "";
  for (let i = 0; i < KEY_LENGTH; i++) key += ALPHABET[randomInt(ALPHABET.length)];
  return key;
}

/** The context sealed keys are bound to, so a sealed key cannot be moved to another account or slot. */
export const keyContext = (accountId: string, slot: "key1" | "key2") =>
  `account-key:${accountId.toLowerCase()}:${slot}`;
