import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { Counter, createRegistry, Gauge, Histogram } from "@sentiment/kit/metrics";
import { parsePrometheusText, PrometheusParseError, sampleSum } from "./prometheus.ts";

Deno.test("parses what the metrics module writes", async () => {
  const registry = createRegistry("test");
  const counter = new Counter({
    name: "t_total",
    help: "a counter",
    labelNames: ["reason"],
    registers: [registry],
  });
  counter.inc({ reason: 'say "hi"\\\n' }, 2);
  counter.inc({ reason: "b" });
  new Gauge({ name: "t_gauge", help: "g", registers: [registry] }).set(-1.5);
  const histogram = new Histogram({
    name: "t_seconds",
    help: "h",
    buckets: [0.1, 1],
    registers: [registry],
  });
  histogram.observe(0.05);
  histogram.observe(3);
  const families = parsePrometheusText(await registry.metrics());
  assertEquals(families.get("t_total")?.type, "counter");
  assertEquals(sampleSum(families, "t_total"), 3);
  assertEquals(sampleSum(families, "t_total", { reason: 'say "hi"\\\n' }), 2);
  assertEquals(sampleSum(families, "t_gauge", { service: "test" }), -1.5);
  assertEquals(sampleSum(families, "t_seconds_count"), 2);
  assertEquals(sampleSum(families, "t_seconds_bucket", { le: "1" }), 1);
});

Deno.test("refuses malformed or inconsistent text", () => {
  const bad = [
    "x 1", // no final newline
    "x{a=1} 1\n", // unquoted label
    'x{a="1"}1\n', // no space before the value
    "x one\n",
    "# TYPE x counter\nx -1\n",
    "# TYPE x counter\n# TYPE x gauge\n",
    "x 1\n# TYPE x counter\n",
    'x{a="1"} 1\nx{a="1"} 2\n',
    '# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\nx{a="b"} 2\n',
    '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 1\n',
    '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 1\nh_sum 1\n',
    '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n',
    "# TYPE x gauge\nx_total 1\nx 1\n# TYPE x_total gauge\n",
    "9x 1\n",
  ];
  for (const text of bad) throws(() => parsePrometheusText(text), PrometheusParseError, text);
});
