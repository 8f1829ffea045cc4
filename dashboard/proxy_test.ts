import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createLogger } from "@sentiment/kit/log";
import { createApiProxy } from "./proxy.ts";

Deno.test("the proxy names the browser in X-Forwarded-For, so the api's per-address limit counts browsers", async () => {
  const seen: (string | null)[] = [];
  await using upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => {
      seen.push(req.headers.get("x-forwarded-for"));
      return Response.json({ ok: true });
    },
  );
  const proxy = createApiProxy({
    apiUrl: `http://127.0.0.1:${upstream.addr.port}`,
    apiToken: null,
    logger: createLogger("dashboard", "error", () => {}),
  });
  await (await proxy(new Request("http://localhost:3000/api/statistics"), "10.1.2.3")).body
    ?.cancel();
  await (await proxy(new Request("http://localhost:3000/api/statistics"))).body?.cancel();
  assertEquals(seen, ["10.1.2.3", null]);
});
