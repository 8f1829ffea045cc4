/**
 * The languages the classifier scores, by ISO 639-1 code.
 *
 * @module
 */
import { ENGLISH } from "../english.ts";
import type { LanguageProfile } from "../profile.ts";
import { GERMAN } from "./de.ts";
import { SPANISH } from "./es.ts";
import { FRENCH } from "./fr.ts";
import { ITALIAN } from "./it.ts";
import { PORTUGUESE } from "./pt.ts";
import { TURKISH } from "./tr.ts";

/** Every scored language's profile. */
export const PROFILES: ReadonlyMap<string, LanguageProfile> = new Map(
  [ENGLISH, SPANISH, GERMAN, FRENCH, PORTUGUESE, TURKISH, ITALIAN].map((profile) => [
    profile.code,
    profile,
  ]),
);
