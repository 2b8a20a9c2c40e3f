/** Tokenize → forward → AttentionTrace: the one engine behind the extension, the worker and the CLI. */
import type { LoadedModel } from './loadModel';
import type { AttentionTrace, TokenSpan } from './trace';

export interface TraceOptions {
  /** Cap on tokens (the model's context is the hard cap). */
  maxTokens?: number;
  /** Run these ids instead of tokenizing `text`. */
  ids?: number[];
}

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Characters fed to the tokenizer at most: enough for maxTokens tokens of any realistic text. */
const CHARS_PER_TOKEN_BOUND = 64;

export function runTrace(loaded: LoadedModel, text: string, options: TraceOptions = {}): AttentionTrace {
  const { config, tokenizer, model } = loaded;
  const limit = Math.min(options.maxTokens ?? config.maxPositions, config.maxPositions);
  let ids: number[];
  let spans: TokenSpan[];
  if (options.ids) {
    const bad = options.ids.find((id) => !Number.isSafeInteger(id) || id < 0 || id >= config.vocabSize);
    if (bad !== undefined) throw new InputError(`token id ${bad} is outside the vocabulary (0..${config.vocabSize - 1})`);
    ({ spans } = tokenizer.spansForIds(options.ids));
    ids = options.ids.slice();
  } else {
    if (text.trim() === '') throw new InputError('the text is empty: select some text first');
    const clipped = text.length > limit * CHARS_PER_TOKEN_BOUND ? text.slice(0, limit * CHARS_PER_TOKEN_BOUND) : text;
    ({ ids, spans } = tokenizer.encode(clipped));
  }
  if (ids.length === 0) throw new InputError('the text produced no tokens');
  let truncatedFrom: number | undefined;
  if (ids.length > limit) {
    truncatedFrom = ids.length;
    ids = ids.slice(0, limit);
    spans = spans.slice(0, limit);
  }
  const capture = model.forward(ids);
  return {
    model: {
      name: loaded.name,
      architecture: config.architecture,
      tokenizer: tokenizer.description,
      layers: config.layers,
      heads: config.heads,
      headDim: config.headDim,
      causal: config.causal,
      maxPositions: config.maxPositions,
    },
    tokens: spans,
    ...capture,
    ...(truncatedFrom !== undefined ? { truncatedFrom } : {}),
  };
}
