/**
 * A view of `process.env` for npm code that reads only what this process may read.
 *
 * ioredis's `debug` dependency lists the whole environment when it loads
 * (`Object.keys(process.env)`), which Deno allows only with access to every variable; that is why
 * the consumer once ran with `env: true`. Imported before any npm package (first import of
 * main.ts), this replaces `process.env` with a view that answers a variable the permission set
 * grants and lists none, so the set can name exactly the variables the consumer and its
 * libraries read.
 *
 * @module
 */
import process from "node:process";

const granted = (name: string) =>
  Deno.permissions.querySync({ name: "env", variable: name }).state === "granted";

const read = (key: string | symbol) =>
  typeof key === "string" && granted(key) ? Deno.env.get(key) : undefined;

/** The view; exported for its test. */
export const grantedEnv: Record<string, string | undefined> = new Proxy({}, {
  get: (_target, key) => read(key),
  has: (_target, key) => read(key) !== undefined,
  // Listing would need every variable; nothing the consumer runs needs a list.
  ownKeys: () => [],
  getOwnPropertyDescriptor: () => undefined,
  set: () => false,
  deleteProperty: () => false,
});

(process as { env: unknown }).env = grantedEnv;
