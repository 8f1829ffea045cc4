import { deepStrictEqual as assertEquals } from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { createHealthService, healthServiceDefinition } from "./health.ts";

/** A generic client's methods, which grpc-js adds at run time. */
interface HealthClient extends grpc.Client {
  check(
    request: { service: string },
    callback: (error: grpc.ServiceError | null, response?: { status: string }) => void,
  ): void;
  watch(request: { service: string }): grpc.ClientReadableStream<{ status: string }>;
}

async function withHealth(
  body: (client: HealthClient, health: ReturnType<typeof createHealthService>) => Promise<void>,
) {
  const server = new grpc.Server();
  const health = createHealthService({ "": "SERVING", "sentiment.v1.SentimentService": "SERVING" });
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      grpc.ServerCredentials.createInsecure(),
      (error, bound) => error ? reject(error) : resolve(bound),
    )
  );
  const Client = grpc.makeGenericClientConstructor(healthServiceDefinition(), "Health");
  const client = new Client(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as HealthClient;
  try {
    await body(client, health);
  } finally {
    client.close();
    server.forceShutdown();
  }
}

const check = (client: HealthClient, service: string) =>
  new Promise<{ status?: string; code?: number }>((resolve) =>
    client.check(
      { service },
      (error, response) => resolve(error ? { code: error.code } : { status: response?.status }),
    )
  );

Deno.test("Check answers each known service's status and NOT_FOUND for others", async () => {
  await withHealth(async (client, health) => {
    assertEquals(await check(client, ""), { status: "SERVING" });
    assertEquals(await check(client, "sentiment.v1.SentimentService"), { status: "SERVING" });
    assertEquals(await check(client, "no.such.Service"), { code: grpc.status.NOT_FOUND });
    health.setStatus("", "NOT_SERVING");
    assertEquals(await check(client, ""), { status: "NOT_SERVING" });
  });
});

Deno.test("Watch sends the status now and then each change; an unknown service is not an error", async () => {
  await withHealth(async (client, health) => {
    const seen: string[] = [];
    const stream = client.watch({ service: "" });
    const unknown = client.watch({ service: "later.Service" });
    const unknownSeen: string[] = [];
    // Waits for the stream to bring `length` answers; generous, so a lost update fails the test.
    const next = (list: string[], length: number) =>
      new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + 10_000;
        const poll = () =>
          list.length >= length
            ? resolve()
            : Date.now() > deadline
            ? reject(new Error(`waited for ${length} answers, got ${JSON.stringify(list)}`))
            : setTimeout(poll, 5);
        poll();
      });
    stream.on("data", (response) => seen.push(response.status));
    unknown.on("data", (response) => unknownSeen.push(response.status));
    stream.on("error", () => {});
    unknown.on("error", () => {});
    await next(seen, 1);
    await next(unknownSeen, 1);
    health.setStatus("", "NOT_SERVING");
    health.setStatus("", "NOT_SERVING"); // no change, nothing sent
    health.setStatus("", "SERVING");
    health.setStatus("later.Service", "SERVING");
    await next(seen, 3);
    await next(unknownSeen, 2);
    assertEquals(seen, ["SERVING", "NOT_SERVING", "SERVING"]);
    assertEquals(unknownSeen, ["SERVICE_UNKNOWN", "SERVING"]);
    stream.cancel();
    unknown.cancel();
  });
});
