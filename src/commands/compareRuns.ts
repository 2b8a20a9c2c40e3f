/**
 * The host's side of the side-by-side view: runs the analysed text again at another training stage or
 * on the built-in teaching model (in the same model worker, after any run in progress) and answers with
 * one head's weights of that run. The last other run is kept, so switching its layer or head is instant.
 */
import * as vscode from 'vscode';
import type { ModelWorker } from '../runtime/modelWorker';
import type { CompareData, CompareRequest, CompareUnavailable } from '../shared/compareProtocol';
import { AttentionTrace, layerPart } from '../shared/trace';
import { builtinModelDir, trainingStages } from '../models/builtinModel';
import { BUILTIN_MODEL_NAME, ModelChoice } from '../models/modelChoice';
import type { AnalysisSource } from './attentionController';
import { DEFAULT_MAX_TOKENS } from '../models/limits';

export class CompareRuns {
  private kept: { key: string; trace: AttentionTrace } | undefined;

  constructor(private readonly worker: ModelWorker, private readonly extensionRoot: string, private readonly log: (line: string) => void) {}

  async answer(request: CompareRequest, source: AnalysisSource | undefined, reply: (m: CompareData | CompareUnavailable) => void): Promise<void> {
    const refuse = (message: string) => reply({ type: 'compareUnavailable', id: request.id, message });
    if (!source) return refuse(vscode.l10n.t('No analysis is shown.'));
    let model: ModelChoice;
    let weightsFile: string | undefined;
    let label: string;
    if (request.target.kind === 'stage') {
      const step = request.target.step;
      const stage = source.model.stages.find((s) => s.step === step);
      if (!stage) return refuse(vscode.l10n.t('{0} has no training stage {1}.', source.model.name, step));
      model = source.model;
      weightsFile = stage.file;
      label = `${stage.label} (${step})`;
    } else {
      const dir = builtinModelDir(this.extensionRoot);
      const stages = trainingStages(dir);
      model = { dir, name: BUILTIN_MODEL_NAME, stages, builtin: true };
      weightsFile = stages.at(-1)?.file;
      label = BUILTIN_MODEL_NAME;
    }
    const key = `${model.dir}\u0000${weightsFile ?? ''}\u0000${source.text}`;
    try {
      let trace = this.kept?.key === key ? this.kept.trace : undefined;
      if (!trace) {
        const maxTokens = vscode.workspace.getConfiguration('qkvLens').get<number>('maxTokens', DEFAULT_MAX_TOKENS);
        const started = Date.now();
        trace = (await this.worker.run({ modelDir: model.dir, weightsFile, modelName: model.name, text: source.text, maxTokens })).trace;
        this.kept = { key, trace };
        this.log(`side by side: ${label}, ${trace.tokens.length} tokens in ${Date.now() - started} ms`);
      }
      const { layers, heads } = trace.model;
      if (request.layer >= layers || request.head >= heads) return refuse(vscode.l10n.t('{0} has {1} layers of {2} heads.', label, layers, heads));
      reply({ type: 'compareData', id: request.id, label, model: trace.model, tokens: trace.tokens, text: source.text, layer: request.layer, head: request.head, weights: layerPart(trace, 'weights', request.layer, request.head).slice() });
    } catch (err) {
      refuse((err as Error).message);
    }
  }
}
