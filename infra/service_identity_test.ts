import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { envFrom } from "@sentiment/kit/config";
import { PROJECT_ROOT } from "./paths.ts";
import { runtimeFlags } from "./runtime_flags.ts";
import { isServiceCommand, serviceCommand } from "./service_identity.ts";

const main = (name: string) => join(PROJECT_ROOT, name, "main.ts");

Deno.test("serviceCommand runs the member with its permission set and <SERVICE>_DENO_FLAGS", () => {
  assertEquals(serviceCommand("api", envFrom({})), [
    Deno.execPath(),
    "run",
    "-q",
    "-P=api",
    main("api"),
  ]);
  assertEquals(
    serviceCommand(
      "dashboard",
      envFrom({ DASHBOARD_DENO_FLAGS: " --allow-net=127.0.0.1:1  --cpu-prof " }),
    ),
    [
      Deno.execPath(),
      "run",
      "-q",
      "-P=dashboard",
      "--allow-net=127.0.0.1:1",
      "--cpu-prof",
      main("dashboard"),
    ],
  );
});

Deno.test("serviceCommand gives the consumer its heap bounds, before the user's own flags", () => {
  const flags = runtimeFlags("consumer");
  ok(flags.length > 0 && flags.every((flag) => flag.startsWith("--v8-flags=")));
  assertEquals(
    serviceCommand(
      "consumer",
      envFrom({ CONSUMER_DENO_FLAGS: "--v8-flags=--max-old-space-size=300" }),
    ),
    [
      Deno.execPath(),
      "run",
      "-q",
      "-P=consumer",
      ...flags,
      "--v8-flags=--max-old-space-size=300",
      main("consumer"),
    ],
  );
});

Deno.test("isServiceCommand knows this checkout's service, whichever deno runs it", () => {
  ok(isServiceCommand("consumer", serviceCommand("consumer", envFrom({}))));
  ok(
    isServiceCommand("consumer", [
      "/opt/deno",
      "run",
      "-P=consumer",
      "--cpu-prof",
      main("consumer"),
    ]),
  );
  // Another service, another checkout, another permission set, or not deno at all: not it.
  ok(!isServiceCommand("consumer", serviceCommand("api", envFrom({}))));
  ok(!isServiceCommand("consumer", ["deno", "run", "-P=consumer", "/elsewhere/consumer/main.ts"]));
  ok(!isServiceCommand("consumer", ["deno", "run", "-A", main("consumer")]));
  ok(!isServiceCommand("consumer", ["node", "run", "-P=consumer", main("consumer")]));
  ok(!isServiceCommand("consumer", ["deno", "test", "-P=consumer", main("consumer")]));
  ok(!isServiceCommand("consumer", []));
});
