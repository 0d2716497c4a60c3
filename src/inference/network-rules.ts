import { BlockList, isIP } from "node:net";
import { dataPlaneErrors, type DataPlaneError } from "./errors.js";
import type { NetworkRules } from "./model.js";

/** Compiled once per account version: the catalog hands out a new rules object on every change. */
const compiled = new WeakMap<NetworkRules, BlockList>();

/**
 * Azure's account firewall: `publicNetworkAccess: Disabled` refuses everyone (Keyless has no
 * private endpoints); `networkAcls.defaultAction: Deny` lets through only addresses matching
 * an `ipRules` entry (an address or CIDR range). Returns the refusal, or undefined.
 */
export function checkNetworkRules(
  rules: NetworkRules,
  clientAddress: string,
): DataPlaneError | undefined {
  if (rules.publicNetworkAccess === "Disabled") return dataPlaneErrors.publicAccessDisabled();
  if (rules.defaultAction !== "Deny") return undefined;
  const address = unmapped(clientAddress);
  const family = isIP(address);
  if (family === 0) return dataPlaneErrors.firewallDenied(); // unreadable address: fail closed
  return allowList(rules).check(address, family === 4 ? "ipv4" : "ipv6")
    ? undefined
    : dataPlaneErrors.firewallDenied();
}

function allowList(rules: NetworkRules): BlockList {
  let list = compiled.get(rules);
  if (!list) {
    list = new BlockList();
    for (const rule of rules.ipRules) addRule(list, rule);
    compiled.set(rules, list);
  }
  return list;
}

/** A rule that is neither an address nor a CIDR range allows nothing. */
function addRule(list: BlockList, rule: string): void {
  const [address = "", prefix] = rule.trim().split("/");
  const family = isIP(address);
  if (family === 0) return;
  const type = family === 4 ? "ipv4" : "ipv6";
  if (prefix === undefined) return list.addAddress(address, type);
  const bits = Number(prefix);
  if (Number.isInteger(bits) && bits >= 0 && bits <= (family === 4 ? 32 : 128))
    list.addSubnet(address, bits, type);
}

/** `::ffff:10.0.0.1` (IPv4 on a dual-stack socket) is the IPv4 address Azure's rules name. */
const unmapped = (address: string): string =>
  address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
