/**
 * The longest input analysed by default (setting `qkvLens.maxTokens`, whose default in package.json must match):
 * GPT-2's whole context. A model's own context caps it further (the built-in model reads 128 tokens). At 1,024 tokens
 * GPT-2-small's trace is 1.26 GiB in the extension host (bench/RESULTS.md); the panel fetches only what it shows.
 */
export const DEFAULT_MAX_TOKENS = 1024;
