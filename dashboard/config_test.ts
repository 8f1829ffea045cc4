import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ConfigError, envFrom } from "@sentiment/kit/config";
import { readConfig } from "./config.ts";
import { DEFAULT_MAX_COMMENTS } from "./lib/comments.ts";

Deno.test("defaults: 127.0.0.1:3000, the api on :3001, no token, no extra hosts", () => {
  assertEquals(readConfig(envFrom({})), {
    host: "127.0.0.1",
    port: 3000,
    allowedHosts: [],
    apiUrl: "http://127.0.0.1:3001",
    apiToken: null,
    maxComments: DEFAULT_MAX_COMMENTS,
    logLevel: "info",
  });
});

Deno.test("the api URL loses its trailing slashes; a token and host names are kept", () => {
  const config = readConfig(envFrom({
    API_URL: "https://api.example.com//",
    API_TOKEN: "s3cret",
    DASHBOARD_ALLOWED_HOSTS: "dashboard.example.com, other.example.com",
  }));
  assertEquals(config.apiUrl, "https://api.example.com");
  assertEquals(config.apiToken, "s3cret");
  assertEquals(config.allowedHosts, ["dashboard.example.com", "other.example.com"]);
});

Deno.test("bad values name their variable", () => {
  const cases: Record<string, string> = {
    DASHBOARD_PORT: "0",
    DASHBOARD_ALLOWED_HOSTS: "not a host",
    API_URL: "ftp://x",
    DASHBOARD_MAX_COMMENTS: "50001",
    LOG_LEVEL: "loud",
  };
  for (const [variable, value] of Object.entries(cases)) {
    throws(
      () => readConfig(envFrom({ [variable]: value })),
      (error) => error instanceof ConfigError && error.variable === variable,
      variable,
    );
  }
});
