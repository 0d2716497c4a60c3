import type { ArmOperation } from "../../arm-operation.js";
import type { ControlPlaneDeps } from "../../control-plane-deps.js";
import { armErrors, cognitiveServicesErrors } from "../../errors.js";
import { generateAccountKey, keyContext } from "./account-keys.js";
import { accountPath, common, onAccount, requireAccount } from "./accounts.js";
import { ACCOUNT_TYPE } from "./api-versions.js";

/** Key1 and Key2: list them (unless local auth is off) and regenerate one. */
export const accountKeyOperations: ArmOperation<ControlPlaneDeps>[] = [
  {
    ...common,
    id: "Accounts_ListKeys",
    method: "POST",
    path: `${accountPath}/listKeys`,
    permission: onAccount("Microsoft.CognitiveServices/accounts/listKeys/action"),
    async handle(context, deps) {
      const account = await requireAccount(context, deps);
      if ((account.body.properties as { disableLocalAuth?: boolean }).disableLocalAuth)
        throw cognitiveServicesErrors.localAuthDisabled();
      return { status: 200, body: await openKeys(deps, account.id) };
    },
  },
  {
    ...common,
    id: "Accounts_RegenerateKey",
    method: "POST",
    path: `${accountPath}/regenerateKey`,
    permission: onAccount("Microsoft.CognitiveServices/accounts/regenerateKey/action"),
    async handle(context, deps) {
      const account = await requireAccount(context, deps);
      const keyName = (context.body as { keyName?: unknown } | undefined)?.keyName;
      const slot =
        typeof keyName === "string"
          ? ({ key1: "key1", key2: "key2" } as const)[keyName.toLowerCase() as "key1"]
          : undefined;
      if (!slot) throw cognitiveServicesErrors.invalidKeyName();
      const { box, keys } = deps.cognitiveServices;
      const sealed = await keys.getAccountKeys(account.id);
      if (!sealed)
        throw armErrors.resourceNotFound(
          ACCOUNT_TYPE,
          account.name,
          context.params.resourceGroupName!,
        );
      await keys.putAccountKeys(account.id, {
        ...sealed,
        [slot]: box.seal(generateAccountKey(), keyContext(account.id, slot)),
      });
      return { status: 200, body: await openKeys(deps, account.id) };
    },
  },
];

async function openKeys(
  deps: ControlPlaneDeps,
  id: string,
): Promise<{ key1: string; key2: string }> {
  const { box, keys } = deps.cognitiveServices;
  const sealed = await keys.getAccountKeys(id);
  if (!sealed) throw new Error(`account ${id} has no keys`);
  return {
    key1: box.open(sealed.key1, keyContext(id, "key1")),
    key2: box.open(sealed.key2, keyContext(id, "key2")),
  };
}
