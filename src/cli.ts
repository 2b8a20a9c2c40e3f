/**
 * Command-line entry for scripts and notebooks; the same engine as the extension.
 *
 *   node dist/cli.js --text "我来自福州" [--model DIR] [--stage STEP] [--ids 1,2,3] [--max-tokens N] --json
 *
 * --json prints {"model", "tokens": [{"text","id","start","end"}], "attentions": [layer][head][query][key]}.
 * Without --json it prints a short readable summary. `--text -` reads the text from standard input.
 */
import * as fs from 'fs';
import * as path from 'path';
import { defaultWasmDir, initWasmBackend } from './engine/backend';
import { loadModelFromDir } from './engine/loadModel';
import { runTrace } from './engine/runTrace';
import { AttentionTrace, nestedAttentions } from './shared/trace';
import { builtinModelDir, trainingStages } from './models/builtinModel';
import { hubCacheDirs, modelIdFromSnapshotDir, resolveModelFolder } from './models/hfCache';

interface CliArgs {
  text?: string;
  model?: string;
  stage?: string;
  ids?: number[];
  maxTokens?: number;
  json: boolean;
  help: boolean;
}

const USAGE = `usage: qkv-lens --text TEXT [--model DIR] [--stage STEP] [--ids 1,2,3] [--max-tokens N] [--json]
  --text TEXT      text to analyse ("-" reads standard input)
  --model DIR|ID   a Hugging Face model folder, or the id of a model in the Hugging Face cache
                   (e.g. gpt2; default: the built-in teaching model)
  --stage STEP     a training checkpoint of the built-in model (e.g. 0 for random init)
  --ids LIST       run these token ids instead of tokenizing --text
  --max-tokens N   cap on tokens (default: the model's context)
  --json           print {"model","tokens","attentions"} as JSON`;

export class UsageError extends Error {}

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--text': args.text = value(); break;
      case '--model': args.model = value(); break;
      case '--stage': args.stage = value(); break;
      case '--ids': {
        const ids = value().split(',').map((s) => Number(s.trim()));
        if (ids.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new UsageError('--ids takes non-negative integers separated by commas');
        args.ids = ids;
        break;
      }
      case '--max-tokens': {
        const n = Number(value());
        if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError('--max-tokens takes a positive integer');
        args.maxTokens = n;
        break;
      }
      case '--json': args.json = true; break;
      case '-h': case '--help': args.help = true; break;
      default: throw new UsageError(`unknown argument ${flag}`);
    }
  }
  return args;
}

/** The stable JSON shape scripts rely on. */
export function traceToJson(trace: AttentionTrace): { model: string; tokens: Array<{ text: string; id: number; start: number; end: number }>; attentions: number[][][][] } {
  return {
    model: trace.model.name,
    tokens: trace.tokens.map((t) => ({ text: t.text, id: t.id, start: t.start, end: t.end })),
    attentions: nestedAttentions(trace),
  };
}

function summary(trace: AttentionTrace): string {
  const { model, tokens } = trace;
  const lines = [`${model.name} (${model.architecture}, ${model.layers} layers x ${model.heads} heads, ${model.tokenizer})`, `${tokens.length} tokens: ${tokens.map((t) => JSON.stringify(t.text)).join(' ')}`];
  if (trace.truncatedFrom) lines.push(`(cut from ${trace.truncatedFrom} tokens to fit the model)`);
  const t = tokens.length;
  const last = (model.layers - 1) * model.heads * t * t;
  lines.push(`strongest attention per token, last layer, head 0:`);
  for (let i = 0; i < t; i++) {
    const row = trace.weights.subarray(last + i * t, last + (i + 1) * t);
    let best = 0;
    for (let j = 1; j < t; j++) if (row[j] > row[best]) best = j;
    lines.push(`  ${JSON.stringify(tokens[i].text)} -> ${JSON.stringify(tokens[best].text)} ${row[best].toFixed(3)}`);
  }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const text = args.text === '-' ? fs.readFileSync(0, 'utf8') : args.text;
  if (text === undefined && !args.ids) {
    process.stderr.write(`--text or --ids is required\n${USAGE}\n`);
    return 2;
  }
  const root = path.resolve(__dirname, '..');
  const modelDir = args.model ? resolveModelFolder(args.model) : builtinModelDir(root);
  if (args.model && !fs.existsSync(modelDir)) {
    process.stderr.write(`error: ${args.model} is neither a folder nor a usable model in the Hugging Face cache (${hubCacheDirs().join(', ')})\n`);
    return 1;
  }
  let weightsFile: string | undefined;
  if (args.stage !== undefined) {
    const stage = trainingStages(modelDir).find((s) => String(s.step) === args.stage || s.label === args.stage);
    if (!stage) {
      process.stderr.write(`no training stage "${args.stage}" in ${modelDir} (stages: ${trainingStages(modelDir).map((s) => s.step).join(', ') || 'none'})\n`);
      return 2;
    }
    weightsFile = stage.file;
  }
  try {
    await initWasmBackend(defaultWasmDir(__dirname));
    const loaded = loadModelFromDir(modelDir, { weightsFile, name: args.model ? modelIdFromSnapshotDir(modelDir) : 'qkv-lens-teaching' });
    const trace = runTrace(loaded, text ?? '', { ids: args.ids, maxTokens: args.maxTokens });
    loaded.model.dispose();
    process.stdout.write((args.json ? JSON.stringify(traceToJson(trace)) : summary(trace)) + '\n');
    return 0;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
