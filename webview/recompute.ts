/**
 * Attention recomputed live from Q and K on the GPU (tfjs WebGL), with the learner's what-ifs:
 * √dk scaling on/off, temperature, causal mask on/off. Falls back to the cpu backend without WebGL.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';

export interface WhatIf {
  scale: boolean;
  temperature: number;
  causal: boolean;
}

export const DEFAULT_WHAT_IF: WhatIf = { scale: true, temperature: 1, causal: true };

let backendReady: Promise<string> | undefined;
/** Multiply-adds (heads·T²·D) up to which plain JS computes instead of tfjs (set by initRecomputeBackend). */
let plainJsUpTo = 0;

/**
 * Work small enough that plain JavaScript beats a round trip through tfjs: every dispatch and read-back
 * on WebGL costs a few milliseconds on a GPU and a few hundred on a software one (SwiftShader, llvmpipe:
 * machines without a GPU), where plain JS does 1M multiply-adds in about 5 ms.
 */
export function computeInPlainJs(multiplyAdds: number): boolean {
  return multiplyAdds <= plainJsUpTo;
}

/** True when WebGL is drawn by the CPU (no GPU): the renderer's name says so. */
function softwareWebGl(): boolean {
  try {
    const gl = document.createElement('canvas').getContext('webgl');
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return /swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
  } catch {
    return false;
  }
}

/**
 * `auto` (the default): WebGL when it works (SwiftShader counts), else tfjs's cpu backend; small work
 * (under 1M multiply-adds, 32M on a software WebGL or the cpu backend) in plain JS.
 * `webgl`: WebGL for everything, or nothing (the panel then shows the model's weights). `cpu`: never
 * touches the GPU. The first call decides; later calls get the same backend.
 */
export function initRecomputeBackend(preference: 'auto' | 'webgl' | 'cpu' = 'auto'): Promise<string> {
  if (!backendReady) {
    backendReady = (async () => {
      const small = 1e6;
      const large = 32e6;
      plainJsUpTo = preference === 'webgl' ? 0 : preference === 'cpu' ? large : softwareWebGl() ? large : small;
      tf.env().set('SOFTWARE_WEBGL_ENABLED', true);
      // Shapes as uniforms: one compiled shader per op serves every input length (without it each new
      // token count compiles its own, 0.3–1.7 s here on SwiftShader, on the first paint of every analysis).
      tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
      if (preference !== 'cpu') {
        try {
          if (await tf.setBackend('webgl')) {
            await tf.ready();
            warmUp();
            return 'webgl';
          }
        } catch {
          // fall through to cpu
        }
        if (preference === 'webgl') throw new Error('WebGL is not available (qkvLens.backend is "webgl")');
      }
      await tf.setBackend('cpu');
      await tf.ready();
      return 'cpu';
    })();
  }
  return backendReady;
}

/** Compiles the recompute's shaders before the first analysis arrives (it runs while the model does). */
function warmUp(): void {
  const q = new Float32Array(2 * 3 * 4).fill(0.5);
  for (const causal of [true, false]) recomputeWeights(q, q, 2, 3, 4, { scale: true, temperature: 1, causal });
  rolloutGpu([new Float32Array(9).fill(1 / 3), new Float32Array(9).fill(1 / 3)], 3);
}

/**
 * softmax((q·kᵀ) [/√dk] / temperature [+ causal mask]) for every head of one layer.
 * q and k are [heads, T, D] for that layer; returns [heads, T, T].
 */
export function recomputeWeights(q: Float32Array, k: Float32Array, heads: number, t: number, d: number, whatIf: WhatIf): Float32Array {
  return tf.tidy(() => {
    const qt = tf.tensor3d(q, [heads, t, d]);
    const kt = tf.tensor3d(k, [heads, t, d]);
    let scores = tf.matMul(qt, kt, false, true);
    const factor = (whatIf.scale ? 1 / Math.sqrt(d) : 1) / Math.max(whatIf.temperature, 1e-3);
    scores = tf.mul(scores, factor);
    if (whatIf.causal) {
      const mask = tf.mul(tf.sub(tf.linalg.bandPart(tf.ones([t, t]), -1, 0), 1), 1e9);
      scores = tf.add(scores, mask);
    }
    return new Float32Array(tf.softmax(scores).dataSync());
  });
}

/**
 * Attention rollout on the GPU: the same arithmetic as `rolloutJs` (½·W + ½·I, rows renormalised,
 * R_l = A_l · R_{l-1}), one T×T matmul per layer. `means[l]` is layer l's mean over heads.
 */
export function rolloutGpu(means: Float32Array[], t: number): Float32Array[] {
  return tf.tidy(() => {
    const half = tf.mul(tf.eye(t), 0.5);
    const layers: tf.Tensor2D[] = [];
    for (const m of means) {
      const mixed = tf.add(tf.mul(tf.tensor2d(m, [t, t]), 0.5), half);
      const a: tf.Tensor2D = tf.div(mixed, tf.sum(mixed, 1, true));
      const prev = layers[layers.length - 1];
      layers.push(prev ? tf.matMul(a, prev) : a);
    }
    const all = tf.stack(layers).dataSync() as Float32Array;
    return means.map((_, l) => all.slice(l * t * t, (l + 1) * t * t));
  });
}

export function isDefaultWhatIf(w: WhatIf): boolean {
  return w.scale && w.temperature === 1 && w.causal;
}

export function tensorCount(): number {
  return tf.memory().numTensors;
}

/** Bytes the backend holds for tensors (WebGL: textures allocated, pooled ones included). */
export function backendBytes(): number {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPUAllocated?: number };
  return m.numBytesInGPUAllocated ?? m.numBytes;
}
