import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createLogger } from "./log.ts";
import { EXIT_SECOND_SIGNAL, type RunningService, serviceLifecycle } from "./service.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger("test", "debug", (line) => lines.push(JSON.parse(line)));
  const messages = () => lines.map((line) => line.message);
  return { log, lines, messages };
}

function fakeService(finished?: Promise<void>) {
  const calls: string[] = [];
  const service: RunningService = {
    stop: () => {
      calls.push("stop");
      return Promise.resolve();
    },
    finished,
  };
  return { service, calls };
}

Deno.test("the first signal stops the service gracefully and exits 0", async () => {
  const { log, messages } = capture();
  const { service, calls } = fakeService();
  const lifecycle = serviceLifecycle(log, Promise.resolve(service), () => {});
  lifecycle.signal("SIGTERM");
  assertEquals(await lifecycle.exitCode, 0);
  assertEquals(calls, ["stop"]);
  assertEquals(messages(), ["Shutting down", "Stopped"]);
});

Deno.test("a signal during start-up stops the service once it has started", async () => {
  const { log } = capture();
  const { service, calls } = fakeService();
  let started!: (service: RunningService) => void;
  const lifecycle = serviceLifecycle(log, new Promise((resolve) => started = resolve), () => {});
  lifecycle.signal("SIGINT");
  started(service);
  assertEquals(await lifecycle.exitCode, 0);
  assertEquals(calls, ["stop"]);
});

Deno.test("a second signal exits at once with 130", () => {
  const { log, messages } = capture();
  const exits: number[] = [];
  const never = new Promise<RunningService>(() => {});
  const lifecycle = serviceLifecycle(log, never, (code) => exits.push(code));
  lifecycle.signal("SIGINT");
  lifecycle.signal("SIGINT");
  assertEquals(exits, [EXIT_SECOND_SIGNAL]);
  assertEquals(messages(), ["Shutting down", "Second signal: exiting now"]);
});

Deno.test("a service that cannot start exits 1 with one line naming the error", async () => {
  const { log, lines } = capture();
  const lifecycle = serviceLifecycle(log, Promise.reject(new Error("port in use")), () => {});
  assertEquals(await lifecycle.exitCode, 1);
  assertEquals(lines.map(({ message, error }) => ({ message, error })), [
    { message: "Cannot start", error: "Error: port in use" },
  ]);
});

Deno.test("a service that ends on an error is stopped and exits 1", async () => {
  const { log, lines } = capture();
  const { service, calls } = fakeService(Promise.reject(new Error("group crashed")));
  const lifecycle = serviceLifecycle(log, Promise.resolve(service), () => {});
  assertEquals(await lifecycle.exitCode, 1);
  assertEquals(calls, ["stop"]);
  assertEquals(lines.map(({ message, error }) => ({ message, error })), [
    { message: "Stopping on an error", error: "Error: group crashed" },
    { message: "Stopped", error: undefined },
  ]);
});

Deno.test("a service that ends by itself exits 0; one whose stop fails exits 1", async () => {
  const clean = fakeService(Promise.resolve());
  assertEquals(await serviceLifecycle(capture().log, Promise.resolve(clean.service)).exitCode, 0);
  const { log, messages } = capture();
  const failing: RunningService = { stop: () => Promise.reject(new Error("pool stuck")) };
  const lifecycle = serviceLifecycle(log, Promise.resolve(failing), () => {});
  lifecycle.signal("SIGTERM");
  assertEquals(await lifecycle.exitCode, 1);
  assertEquals(messages(), ["Shutting down", "Stopped on an error", "Stopped"]);
});
