/**
 * The service as a separate process over real gRPC: what the consumer and `grpcurl` see.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import {
  type AnalyzeSentimentBatchResponse,
  type AnalyzeSentimentRequest,
  type AnalyzeSentimentResponse,
  createSentimentClient,
  SENTIMENT_SERVICE_NAME,
  type SentimentClient,
} from "@sentiment/contracts/grpc";
import { freePort, type ServiceProcess, startService } from "@sentiment/testkit";
import { healthServiceDefinition } from "./health.ts";
import { REFLECTION_VERSIONS } from "./reflection.ts";

const FAILURE_RATIO = 1 / 32;

/** The parts of a reflection answer the test reads. */
interface ReflectionAnswer {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Uint8Array[] };
}

async function startSentiment(env: Record<string, string>) {
  const port = await freePort();
  const service = startService("sentiment", { SENTIMENT_PORT: String(port), ...env });
  await service.waitForLog((_line, record) => record?.message === "Sentiment service listening");
  return { service, address: `127.0.0.1:${port}` };
}

const request = (
  text: string,
  commentId: string = crypto.randomUUID(),
): AnalyzeSentimentRequest => ({
  commentId,
  text,
  textHash: "",
  consumerId: "test",
});

function unary(client: SentimentClient, req: AnalyzeSentimentRequest) {
  return new Promise<{ error: grpc.ServiceError | null; response?: AnalyzeSentimentResponse }>(
    (resolve) =>
      client.AnalyzeSentiment(req, {}, (error, response) => resolve({ error, response })),
  );
}

function batch(client: SentimentClient, items: AnalyzeSentimentRequest[]) {
  return new Promise<AnalyzeSentimentBatchResponse>((resolve, reject) =>
    client.AnalyzeSentimentBatch(
      { items, consumerId: "test" },
      {},
      (error, response) => error ? reject(error) : resolve(response!),
    )
  );
}

async function withService(
  env: Record<string, string>,
  body: (client: SentimentClient, address: string, service: ServiceProcess) => Promise<void>,
) {
  const { service, address } = await startSentiment(env);
  const client = createSentimentClient(address);
  try {
    await body(client, address, service);
  } finally {
    // The server goes first: a grpc-js client closing a channel that carried ~100 calls makes
    // a Deno server abort (denoland/deno#36788); a server that exits leaves clients unharmed.
    const status = await service.stop();
    client.close();
    assertEquals(
      status.code,
      0,
      `sentiment exited with ${status.code}:\n${service.lines.slice(-10).join("\n")}`,
    );
  }
}

const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test("unary and batch calls tag texts; bad input is INVALID_ARGUMENT", options, async () => {
  await withService({ SENTIMENT_FAILURE_RATIO: "0" }, async (client) => {
    const good = await unary(client, request("I love it", "id-1"));
    assertEquals(good.error, null);
    assertEquals([good.response?.commentId, good.response?.tag], ["id-1", "POSITIVE"]);

    for (const bad of [request(""), request("x".repeat(5_001)), request("ok", "")]) {
      const answer = await unary(client, bad);
      assertEquals(answer.error?.code, grpc.status.INVALID_ARGUMENT);
      ok(answer.error?.details, "the error says what was wrong");
    }

    const response = await batch(client, [
      request("terrible, broke in a day", "a"),
      request("   ", "b"),
      request("what are your opening hours?", "c"),
      request("Does it come in blue?", "d"),
    ]);
    assertEquals(
      response.results.map((result) => [
        result.commentId,
        result.outcome === "result" ? result.result.tag : result.error.code,
      ]),
      [["a", "NEGATIVE"], ["b", grpc.status.INVALID_ARGUMENT], ["c", "UNRELATED"], [
        "d",
        "NEUTRAL",
      ]],
    );
  });
});

Deno.test("about 1 in 32 calls fail with UNAVAILABLE over 10 000 calls", options, async () => {
  await withService({ SENTIMENT_FAILURE_SEED: "12345" }, async (client) => {
    const n = 10_000;
    const codes: number[] = [];
    for (let start = 0; start < n; start += 250) {
      const answers = await Promise.all(
        Array.from({ length: 250 }, () => unary(client, request("good stuff"))),
      );
      for (const answer of answers) codes.push(answer.error?.code ?? grpc.status.OK);
    }
    const unavailable = codes.filter((code) => code === grpc.status.UNAVAILABLE).length;
    assertEquals(codes.filter((code) => code !== grpc.status.OK).length, unavailable);
    // Binomial(10 000, 1/32): mean 312.5, sd 17.4; 5 sd either side.
    const sd = Math.sqrt(n * FAILURE_RATIO * (1 - FAILURE_RATIO));
    ok(
      Math.abs(unavailable - n * FAILURE_RATIO) < 5 * sd,
      `${unavailable} of ${n} failed, expected about ${n * FAILURE_RATIO}`,
    );

    // Per item in a batch too.
    const items = Array.from({ length: 10_000 }, () => request("good stuff"));
    const results = (await batch(client, items)).results;
    assertEquals(results.length, items.length);
    const failedItems = results.filter((result) =>
      result.outcome === "error" && result.error.code === grpc.status.UNAVAILABLE
    ).length;
    ok(Math.abs(failedItems - n * FAILURE_RATIO) < 5 * sd, `${failedItems} batch items failed`);
  });
});

Deno.test("health reports SERVING and reflection lists the service", options, async () => {
  await withService({}, async (_client, address) => {
    const Health = grpc.makeGenericClientConstructor(healthServiceDefinition(), "Health");
    const health = new Health(address, grpc.credentials.createInsecure());
    const check = (serviceName: string) =>
      new Promise<{ status: string }>((resolve, reject) =>
        // deno-lint-ignore no-explicit-any -- generic clients have no typed methods
        (health as any).check(
          { service: serviceName },
          (error: Error | null, response: { status: string }) =>
            error ? reject(error) : resolve(response),
        )
      );
    assertEquals((await check("")).status, "SERVING");
    assertEquals((await check(SENTIMENT_SERVICE_NAME)).status, "SERVING");
    health.close();

    // Both protocol versions: grpcurl asks v1 and falls back to v1alpha.
    for (const version of REFLECTION_VERSIONS) {
      const definition = protoLoader.loadSync(
        new URL(`./grpc/reflection/${version}/reflection.proto`, import.meta.url).pathname,
        { keepCase: false, defaults: true, oneofs: true },
      );
      const loaded = grpc.loadPackageDefinition(definition);
      // deno-lint-ignore no-explicit-any -- walking the untyped package tree to the one client
      const Reflection = (loaded as any).grpc.reflection[version].ServerReflection;
      const reflection = new Reflection(address, grpc.credentials.createInsecure());
      const ask = (request: Record<string, string>) =>
        new Promise<ReflectionAnswer>((resolve, reject) => {
          const stream = reflection.serverReflectionInfo();
          stream.on("data", (response: ReflectionAnswer) => {
            resolve(response);
            stream.end();
          });
          stream.on("error", reject);
          stream.write({ host: "", ...request });
        });
      const listed = await ask({ listServices: "*" });
      const names = (listed.listServicesResponse?.service ?? []).map((entry) => entry.name);
      ok(names.includes(SENTIMENT_SERVICE_NAME), `${version} listed ${names.join(", ")}`);
      // What `grpcurl describe` needs: the file that defines the service.
      const described = await ask({ fileContainingSymbol: SENTIMENT_SERVICE_NAME });
      const files = described.fileDescriptorResponse?.fileDescriptorProto ?? [];
      ok(files.length > 0 && files[0].length > 0, `${version}: no descriptor for the service`);
      reflection.close();
    }
  });
});

Deno.test("SIGINT stops the service cleanly", options, async () => {
  const { service } = await startSentiment({});
  service.kill("SIGINT");
  const status = await service.status;
  assertEquals(status.code, 0);
  ok(service.lines.some((line) => line.includes('"Stopped"')));
});

Deno.test("a bad setting stops the service with one line naming it", options, async () => {
  const service = startService("sentiment", { SENTIMENT_FAILURE_RATIO: "lots" });
  const status = await service.status;
  assertEquals(status.code, 2);
  ok(
    service.lines.some((line) => line.includes('"variable":"SENTIMENT_FAILURE_RATIO"')),
    service.lines.join("\n"),
  );
});
