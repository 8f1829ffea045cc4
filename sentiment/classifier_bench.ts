/**
 * Classification throughput: `deno bench -P sentiment/classifier_bench.ts`.
 */
import { classify } from "./classifier.ts";

const TEXTS = [
  "I love this phone, the camera is amazing 😍",
  "Terrible product, broke after two days. Never buying again!!",
  "Does this come in blue?",
  "What are your opening hours on Sunday?",
  "Not bad at all, actually really impressed with the battery",
  "The design is nice but the battery is awful.",
  "Use my promo code SAVE20 for 20% off 🚀",
  "Ordered on Monday, tracking says it arrives Thursday.",
  "Honestly didn't expect much but the sound quality is superb.",
  "Customer service is a nightmare, 3 weeks and nothing fixed 😡",
  "Me encanta, es excelente",
  "Funktioniert nicht, totaler Schrott",
];
const LONG = `${"The box contains the device, a cable and a manual. ".repeat(90)}I love it.`;
let sink = 0;

Deno.bench("classify one short comment", { group: "classify", baseline: true }, () => {
  sink += classify(TEXTS[sink % TEXTS.length]).length;
});

Deno.bench("classify one 4.5 kB comment", { group: "classify" }, () => {
  sink += classify(LONG).length;
});

Deno.bench("classify 1 000 short comments", () => {
  for (let i = 0; i < 1_000; i++) sink += classify(TEXTS[i % TEXTS.length]).length;
});
