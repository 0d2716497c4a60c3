import { type Random, pick, randomInt, seededRandom } from "./seeded-random.js";
import { countTokens, decodeTokens, encodeText } from "./token-counter.js";

export type FinishReason = "stop" | "length";

export interface SimulatedCompletion {
  text: string;
  finishReason: FinishReason;
}

// Without a limit a reply runs to 30–60 tokens and then ends its sentence: long enough to stream
// in several chunks, short enough to keep load tests cheap.
const MIN_TOKENS = 30;
const MAX_TOKENS = 60;
const FALLBACK_TOPIC = "your question";
const MAX_TOPIC_CHARACTERS = 40;

/**
 * A deterministic English reply: the same seed and request text always give the same text, so
 * tests and demos can assert on it. The first sentence names the request's topic so the reply
 * reads as an answer. Cut to `maxTokens` with finish reason `length`, as the real service does.
 */
export function simulatedCompletion(
  seed: string,
  requestText: string,
  maxTokens?: number,
): SimulatedCompletion {
  const random = seededRandom(seed);
  const text = composeReply(
    random,
    topicOf(requestText),
    randomInt(random, MIN_TOKENS, MAX_TOKENS),
  );
  if (maxTokens === undefined) return { text, finishReason: "stop" };
  const tokens = encodeText(text);
  if (tokens.length <= maxTokens) return { text, finishReason: "stop" };
  return { text: cutToTokens(tokens, maxTokens), finishReason: "length" };
}

/**
 * The longest run of up to three consecutive content words, in the caller's own spelling:
 * "How does retrieval augmented generation work?" → "retrieval augmented generation".
 */
export function topicOf(text: string): string {
  let best: string[] = [];
  let run: string[] = [];
  const letters = (words: string[]) => words.reduce((sum, word) => sum + word.length, 0);
  for (const word of text.match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? []) {
    if (word.length < 3 || STOPWORDS.has(word.toLowerCase())) run = [];
    else {
      run = [...run, word].slice(-3);
      if (letters(run) > letters(best)) best = run;
    }
  }
  if (best.length === 0) return FALLBACK_TOPIC;
  // Scripts without spaces make one long "word": keep a short, readable piece of it.
  const topic = Array.from(best.join(" "));
  return topic.length > MAX_TOPIC_CHARACTERS
    ? topic.slice(0, MAX_TOPIC_CHARACTERS).join("")
    : topic.join("");
}

function composeReply(random: Random, topic: string, targetTokens: number): string {
  // Body sentences in a shuffled order and slot words without repeats, so a reply does not say
  // the same thing twice.
  const body = shuffled(random, BODY);
  const unused = new Map(Object.entries(SLOTS).map(([slot, words]) => [slot, [...words]]));
  const fill = (template: string) =>
    template.replace(/\{(\w+)\}/g, (_, slot: string) => {
      if (slot === "topic") return topic;
      if (slot === "Topic") return topic.charAt(0).toUpperCase() + topic.slice(1);
      const words = unused.get(slot)!;
      const [word] = words.splice(Math.floor(random() * words.length), 1);
      if (words.length === 0) unused.set(slot, [...SLOTS[slot]!]);
      return word!;
    });
  const sentences = [fill(pick(random, OPENINGS))];
  while (countTokens(sentences.join(" ")) < targetTokens) {
    sentences.push(fill(body[(sentences.length - 1) % body.length]!));
  }
  return sentences.join(" ");
}

function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function cutToTokens(tokens: number[], maxTokens: number): string {
  let keep = maxTokens;
  let text = decodeTokens(tokens.slice(0, keep));
  // INVARIANT: the reported count is the count of the text sent. Re-encoding a cut prefix can
  // merge differently than the original tokens, so shorten until the text itself fits.
  while (keep > 0 && countTokens(text) > maxTokens) text = decodeTokens(tokens.slice(0, --keep));
  return text;
}

const OPENINGS = [
  "Here is a short overview of {topic}.",
  "Good question about {topic}.",
  "{Topic} is worth looking at from a few angles.",
  "There are a few things to keep in mind about {topic}.",
  "When it comes to {topic}, the details matter.",
];

const BODY = [
  "{starter} {clause}.",
  "{starter} {clause}.",
  "{starter} {clause}.",
  "{Topic} usually depends on {factor}.",
  "With {topic}, it pays to {action}.",
  "If {topic} is new to you, {advice}.",
  "It also helps to {action}, since {clause}.",
  "A common mistake is to ignore {factor}.",
];

const SLOTS: Record<string, readonly string[]> = {
  starter: ["In most cases,", "In practice,", "As a rule,", "For a first pass,", "Over time,"],
  clause: [
    "the simplest approach tends to hold up best",
    "it helps to start small and measure",
    "the trade-offs become clearer with real data",
    "a clear owner makes decisions much faster",
    "small, frequent changes are easier to review",
    "the defaults are a reasonable place to begin",
    "writing down the constraints saves time later",
    "testing with realistic inputs catches most surprises",
  ],
  factor: [
    "the size of the workload",
    "how often things change",
    "the constraints you already have",
    "who needs access and when",
    "the budget and the timeline",
    "how much risk is acceptable",
  ],
  action: [
    "check the assumptions first",
    "compare two or three options side by side",
    "keep a short list of open questions",
    "review the results with someone else",
    "write down what success looks like",
  ],
  advice: [
    "start with a small example",
    "read a trusted summary first",
    "ask someone who has done it before",
    "try it on a copy before the real thing",
  ],
};

const STOPWORDS = new Set(
  (
    "the and for are you can how why who was not but any all get use its our has had did may " +
    "one two what when where which while with would could should does done doing have from " +
    "into some like more most just want need know make give tell write explain describe " +
    "please this that these those there their them they then than been being were will " +
    "about also your yours very really much many such only other each every here hello " +
    "thanks thank let lets say said show list find help work works what's it's i'm don't " +
    "can't how's"
  ).split(" "),
);
