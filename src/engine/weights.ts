/**
 * Finds a model's tensors by their Hugging Face names, whichever prefix the checkpoint used
 * (`transformer.`, `bert.`, `model.`, none) and whichever LayerNorm spelling (`gamma`/`beta`).
 */
import { SafetensorsFile, SafetensorsError } from './safetensors';

export class WeightStore {
  constructor(private readonly files: SafetensorsFile[]) {}

  private locate(name: string): { file: SafetensorsFile; key: string } | undefined {
    const candidates = [name];
    for (const prefix of ['transformer.', 'bert.', 'model.']) candidates.push(prefix + name);
    if (name.endsWith('.weight')) candidates.push(...candidates.map((c) => c.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma')));
    if (name.endsWith('.bias')) candidates.push(...candidates.map((c) => c.replace(/LayerNorm\.bias$/, 'LayerNorm.beta')));
    for (const key of candidates) {
      for (const file of this.files) if (file.has(key)) return { file, key };
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.locate(name) !== undefined;
  }

  /** The tensor as float32 with its shape; a missing tensor is a clear error. */
  get(name: string, expectedShape?: number[]): { data: Float32Array; shape: number[] } {
    const hit = this.locate(name);
    if (!hit) throw new SafetensorsError(`the checkpoint has no tensor "${name}" (is this the right architecture?)`);
    const shape = hit.file.shape(hit.key);
    if (expectedShape && (shape.length !== expectedShape.length || shape.some((d, i) => d !== expectedShape[i]))) {
      throw new SafetensorsError(`tensor "${hit.key}" has shape [${shape.join(', ')}], expected [${expectedShape.join(', ')}]`);
    }
    return { data: hit.file.float32(hit.key), shape };
  }
}
