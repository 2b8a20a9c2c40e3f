/**
 * A synthetic GPT-2-like trace of any size with realistic attention patterns (previous-token heads,
 * attention sinks on the first token, local and diffuse heads), q·k/√dk and softmax computed exactly.
 * The generator is plain JavaScript source so that a browser page can run it itself (a 512-token,
 * 12×12 trace is 300 MB of floats: too much to ship through the test driver) and Node gets the same numbers.
 */
import type { AttentionTrace } from '../../src/engine/trace';

export interface SyntheticOptions {
  tokens: number;
  layers: number;
  heads: number;
  headDim: number;
  seed?: number;
  /** false: no scores and weights (computed per head when asked for). */
  attention?: boolean;
}

/** `function (options) → AttentionTrace`, as source. */
export const SYNTHETIC_TRACE_SOURCE = String.raw`function syntheticTrace(o) {
  var T = o.tokens, L = o.layers, H = o.heads, D = o.headDim;
  var s = (o.seed || 7) % 2147483647;
  function rnd() { s = (s * 16807) % 2147483647; return s / 2147483647; }
  function normal() { var u = rnd() || 1e-9, v = rnd(); return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v); }
  var words = '我 来 自 福 州 , 现 在 住 在 北 京 , 是 一 个 正 值 壮 年 的 牛 马 程 序 员 the model reads every token and attends to some of them def add ( a , b ) : return a + b'.split(' ');
  var tokens = [], pos = 0;
  for (var i = 0; i < T; i++) {
    var text = words[i % words.length];
    tokens.push({ text: text, id: i % 97, start: pos, end: pos + text.length, special: false });
    pos += text.length;
  }
  var per = L * H * T;
  var q = new Float32Array(per * D), k = new Float32Array(per * D), v = new Float32Array(per * D);
  // attention: false leaves scores and weights empty (a 1024-token trace's would be 1.2 GB); see HEAD_ATTENTION_SOURCE.
  var scores = new Float32Array(o.attention === false ? 0 : per * T), weights = new Float32Array(o.attention === false ? 0 : per * T);
  for (var l = 0; l < L; l++) {
    for (var h = 0; h < H; h++) {
      var kind = (l * H + h) % 4; // 0 previous token, 1 first-token sink, 2 local window, 3 diffuse
      var base = (l * H + h) * T;
      for (var i = 0; i < T; i++) for (var x = 0; x < D; x++) {
        k[(base + i) * D + x] = normal();
        v[(base + i) * D + x] = normal();
      }
      for (var i = 0; i < T; i++) {
        var target = kind === 0 ? Math.max(0, i - 1) : kind === 1 ? 0 : kind === 2 ? Math.max(0, i - 1 - Math.floor(rnd() * 4)) : Math.floor(rnd() * (i + 1));
        var strength = kind === 3 ? 0.15 : 0.55 + 0.3 * rnd();
        for (var x = 0; x < D; x++) q[(base + i) * D + x] = strength * k[(base + target) * D + x] + 0.5 * normal();
      }
      if (o.attention !== false) headAttention(q, k, T, D, base, scores, weights, base * T);
    }
  }
  return {
    model: { name: 'synthetic-gpt2', architecture: 'gpt2', tokenizer: 'synthetic', layers: L, heads: H, headDim: D, causal: true, maxPositions: Math.max(1024, T) },
    tokens: tokens, q: q, k: k, v: v, scores: scores, weights: weights
  };
}`;

/**
 * `function (q, k, T, D, base, scores, weights, at)`: one head's q·k/√dk and causal softmax, from the
 * head's rows starting at row `base` of q and k, written at `at` of scores and weights. As source too.
 */
export const HEAD_ATTENTION_SOURCE = String.raw`function headAttention(q, k, T, D, base, scores, weights, at) {
  var scale = 1 / Math.sqrt(D);
  var row = new Float64Array(T);
  for (var i = 0; i < T; i++) {
    var max = -Infinity;
    var qi = (base + i) * D;
    for (var j = 0; j < T; j++) {
      var kj = (base + j) * D, dot = 0;
      for (var x = 0; x < D; x++) dot += q[qi + x] * k[kj + x];
      var sc = Math.fround(dot * scale);
      scores[at + i * T + j] = sc;
      row[j] = sc;
      if (j <= i && sc > max) max = sc;
    }
    var sum = 0;
    for (var j = 0; j <= i; j++) { row[j] = Math.exp(row[j] - max); sum += row[j]; }
    for (var j = 0; j < T; j++) weights[at + i * T + j] = j <= i ? row[j] / sum : 0;
  }
}`;

const GENERATOR = `(function () { ${HEAD_ATTENTION_SOURCE}; return ${SYNTHETIC_TRACE_SOURCE}; })()`;

export function syntheticTrace(options: SyntheticOptions): AttentionTrace {
  return (new Function(`return ${GENERATOR}`)() as (o: SyntheticOptions) => AttentionTrace)(options);
}

/**
 * Browser-side: builds the trace in the page, posts its analysis (model and tokens) as the host would,
 * and answers the webview's fetches from the page itself, as src/panel/traceServer.ts does (float32
 * only: the trace is too big to ship through the test driver). The harness's stub routes fetches to
 * `window.__qkvPageHost` when it is set.
 */
export function postSyntheticAnalysisScript(options: SyntheticOptions): string {
  return `(() => {
    ${HEAD_ATTENTION_SOURCE}
    const trace = ${GENERATOR}(${JSON.stringify(options)});
    const T = trace.tokens.length, H = trace.model.heads, D = trace.model.headDim;
    window.__qkvPageHost = (m) => {
      const data = {};
      for (const part of m.parts) {
        const square = part === 'scores' || part === 'weights';
        const cols = square ? T : D;
        const heads = square && m.head !== undefined ? [m.head] : Array.from({ length: H }, (_, h) => h);
        if (square && trace[part].length === 0) {
          // Made without attention: computed for the heads asked for.
          const out = { scores: new Float32Array(heads.length * T * T), weights: new Float32Array(heads.length * T * T) };
          heads.forEach((h, n) => headAttention(trace.q, trace.k, T, D, (m.layer * H + h) * T, out.scores, out.weights, n * T * T));
          data[part] = out[part];
          continue;
        }
        const start = (m.layer * H + heads[0]) * T * cols;
        data[part] = trace[part].slice(start, start + heads.length * T * cols);
      }
      const answer = { type: 'traceData', analysis: 1, fetchId: m.fetchId, layer: m.layer, shape: { heads: H, tokens: T, headDim: D }, data };
      if (m.head !== undefined) answer.head = m.head;
      setTimeout(() => window.postMessage(answer, '*'), 0);
    };
    window.postMessage({ type: 'analysis', analysis: { requestId: 1, trace: { model: trace.model, tokens: trace.tokens }, source: 'synthetic.txt', stages: [], millis: { load: 0, run: 0 } } }, '*');
  })()`;
}
