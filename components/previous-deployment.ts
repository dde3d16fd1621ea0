import * as pulumi from "@pulumi/pulumi";
import { type Inventory, parseInventory } from "../evaluation/deletion-safety";

/** The stack output the program records its inventory in, and reads back on the next run. */
export const INVENTORY_OUTPUT = "inventory";

/**
 * The inventory this stack exported on its last successful update, read through a reference to
 * the stack itself (undefined on the first run). A stack reference only reads outputs; it never
 * changes anything.
 */
export async function previousInventory(): Promise<Inventory | undefined> {
  const self = new pulumi.StackReference(`${pulumi.getStack()}-previous-deployment`, {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  const details = await self.getOutputDetails(INVENTORY_OUTPUT);
  return parseInventory(details.value);
}
