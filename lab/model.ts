/**
 * The vocabulary the lab is written in.
 *
 * Every stack file under `lab/stacks/` is a `defineStack(...)` call that returns plain data in these
 * types. Each type is derived from its zod schema (`lab/model/*.ts`), the one source of truth: the
 * program checks everything a stack file returns against `stackSpecSchema` before anything is
 * registered, on every path (render, review, `pulumi preview`/`up` built or not, adopt, drift,
 * docs), so a key the model does not know, or a value of the wrong type, is an error naming the
 * stack, the service and the field, even where no type checker ran. Nothing here creates
 * resources: the components in `components/` turn this data into Pulumi resources, and the pure
 * functions in `lib/` derive labels, names and specs from it.
 */
export * from "./model/secrets";
export * from "./model/files";
export * from "./model/ingress";
export * from "./model/dashboard";
export * from "./model/service";
export * from "./model/stack";
export * from "./model/context";
