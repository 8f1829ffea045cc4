/**
 * Makes mock social-media comments: a class, a template of that class filled from the
 * vocabulary, and the small habits of real comments (openers, emoji, lowercase, two sentences).
 * A share of comments are re-sends of earlier ones, the duplicates the consumer must drop.
 *
 * @module
 */
import {
  type RawComment,
  SCHEMA_VERSION,
  SOURCES,
  type Tag,
  TAGS,
} from "@sentiment/contracts/messages";
import { createRandom, type Random } from "@sentiment/kit/random";
import { CLASS_WEIGHTS, OPENERS, TEMPLATES } from "./templates.ts";
import { VOCABULARY, type Vocabulary } from "./vocabulary.ts";

/** One generated comment with what the message never carries: its true class. */
export interface GeneratedComment {
  comment: RawComment;
  /** The class the text was written to have, for evaluating the classifier. */
  trueTag: Tag;
  /** True when this is a re-send of an earlier comment (same id, same content). */
  duplicate: boolean;
}

/** Options of {@link createCommentGenerator}. */
export interface GeneratorOptions {
  /** Same seed, same sequence of comments, ids included. */
  seed: number;
  /** Share of comments that re-send an earlier one, 0..1. */
  duplicateRatio: number;
  /** How many recent comments a duplicate is drawn from. */
  historySize?: number;
  /** The clock for createdAt; the only part of a comment that a seed does not fix. */
  now?: () => Date;
}

/** An endless source of comments; see {@link createCommentGenerator}. */
export interface CommentGenerator {
  next(): GeneratedComment;
}

const SLOT = /\{([A-Za-z]+)\}/g;

/** Fills a template's slots (recursively) from the vocabulary. */
export function fillTemplate(
  template: string,
  random: Random,
  vocabulary: Vocabulary = VOCABULARY,
  depth = 0,
): string {
  return template.replace(SLOT, (_match, slot: string) => {
    const key = slot[0].toLowerCase() + slot.slice(1);
    const values = vocabulary[key];
    if (!values) throw new Error(`template slot {${slot}} has no vocabulary`);
    let value = random.pick(values);
    if (depth < 3 && value.includes("{")) {
      value = fillTemplate(value, random, vocabulary, depth + 1);
    }
    return slot[0] === slot[0].toUpperCase() ? capitalize(value) : value;
  });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function pickWeighted(random: Random): Tag {
  const total = TAGS.reduce((sum, tag) => sum + CLASS_WEIGHTS[tag], 0);
  let roll = random.next() * total;
  for (const tag of TAGS) {
    roll -= CLASS_WEIGHTS[tag];
    if (roll < 0) return tag;
  }
  return TAGS[TAGS.length - 1];
}

const EMOJI_SLOT: Record<Tag, string> = {
  POSITIVE: "{posEmoji}",
  NEGATIVE: "{negEmoji}",
  NEUTRAL: "{neutralEmoji}",
  UNRELATED: "{neutralEmoji}",
};

/** Writes one text of the given class. */
export function writeText(tag: Tag, random: Random): string {
  let text = fillTemplate(random.pick(TEMPLATES[tag]), random);
  if (random.chance(0.2)) {
    const second = fillTemplate(random.pick(TEMPLATES[tag]), random);
    if (second !== text) text = `${/[.!?]$/.test(text) ? text : `${text}.`} ${second}`;
  }
  if (random.chance(0.15)) {
    text = random.pick(OPENERS) + text.charAt(0).toLowerCase() + text.slice(1);
  }
  if ((tag === "POSITIVE" || tag === "NEGATIVE") && random.chance(0.1)) {
    text = text.replace(/[.!]?$/, "!!");
  }
  if (random.chance(0.25)) text = `${text} ${fillTemplate(EMOJI_SLOT[tag], random)}`;
  if (random.chance(0.08)) {
    text = `${text} #${random.pick(["review", "unboxing", "haul", "tech", "ootd", "fyp"])}`;
  }
  if (random.chance(0.08)) text = text.toLowerCase();
  return text;
}

/** Creates a generator; two generators with the same options produce the same comments. */
export function createCommentGenerator(options: GeneratorOptions): CommentGenerator {
  const random = createRandom(options.seed);
  const historySize = options.historySize ?? 1_000;
  const now = options.now ?? (() => new Date());
  const history: GeneratedComment[] = [];
  return {
    next() {
      // The draw happens even with an empty history so the sequence does not depend on it.
      const resend = random.chance(options.duplicateRatio);
      if (resend && history.length > 0) {
        const original = history[random.int(0, history.length - 1)];
        return { ...original, duplicate: true };
      }
      const trueTag = pickWeighted(random);
      const generated: GeneratedComment = {
        comment: {
          schemaVersion: SCHEMA_VERSION,
          commentId: random.uuid(),
          text: writeText(trueTag, random),
          source: random.pick(SOURCES),
          createdAt: now().toISOString(),
        },
        trueTag,
        duplicate: false,
      };
      history.push(generated);
      if (history.length > historySize) history.shift();
      return generated;
    },
  };
}
