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
  var scores = new Float32Array(per * T), weights = new Float32Array(per * T);
  var scale = 1 / Math.sqrt(D);
  var row = new Float64Array(T);
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
      for (var i = 0; i < T; i++) {
        var max = -Infinity;
        var qi = (base + i) * D;
        for (var j = 0; j < T; j++) {
          var kj = (base + j) * D, dot = 0;
          for (var x = 0; x < D; x++) dot += q[qi + x] * k[kj + x];
          var sc = Math.fround(dot * scale);
          scores[(base + i) * T + j] = sc;
          row[j] = sc;
          if (j <= i && sc > max) max = sc;
        }
        var sum = 0;
        for (var j = 0; j <= i; j++) { row[j] = Math.exp(row[j] - max); sum += row[j]; }
        for (var j = 0; j < T; j++) weights[(base + i) * T + j] = j <= i ? row[j] / sum : 0;
      }
    }
  }
  return {
    model: { name: 'synthetic-gpt2', architecture: 'gpt2', tokenizer: 'synthetic', layers: L, heads: H, headDim: D, causal: true, maxPositions: Math.max(1024, T) },
    tokens: tokens, q: q, k: k, v: v, scores: scores, weights: weights
  };
}`;

export function syntheticTrace(options: SyntheticOptions): AttentionTrace {
  return (new Function(`return (${SYNTHETIC_TRACE_SOURCE})`)() as (o: SyntheticOptions) => AttentionTrace)(options);
}

/** Browser-side: builds the trace in the page and posts it to the webview as the host would. */
export function postSyntheticAnalysisScript(options: SyntheticOptions): string {
  return `(() => {
    const trace = (${SYNTHETIC_TRACE_SOURCE})(${JSON.stringify(options)});
    window.postMessage({ type: 'analysis', analysis: { requestId: 1, trace, source: 'synthetic.txt', stages: [], millis: { load: 0, run: 0 } } }, '*');
  })()`;
}
