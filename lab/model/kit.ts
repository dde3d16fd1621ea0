import { z } from "zod";

/**
 * The few building blocks every schema of the lab model is written with. Every object is strict
 * (a key the model does not know is an error, never silently dropped) and every value readonly in
 * the TypeScript types derived from the schemas, as stack files are data.
 */

/** A strict object: unknown keys are refused. */
export const object = <Shape extends z.core.$ZodLooseShape>(shape: Shape) => z.strictObject(shape).readonly();

/** A readonly list. */
export const list = <Item extends z.ZodType>(item: Item) => z.array(item).readonly();

/** A readonly map from names to values. */
export const dict = <Value extends z.ZodType>(value: Value) => z.record(z.string(), value).readonly();

/** A map of plain strings (environment, labels, settings). */
export const strings = dict(z.string());
