/** Defaults the extension's code falls back to agree with the ones package.json declares (what VS Code shows). */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_MAX_TOKENS } from '../../src/models/limits';

describe('settings defaults', () => {
  it('qkvLens.maxTokens: package.json and the code agree, and the default reads GPT-2\'s whole context', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default?: unknown }> } | Array<{ properties: Record<string, { default?: unknown }> }> };
    };
    const config = pkg.contributes.configuration;
    const properties = Array.isArray(config) ? Object.assign({}, ...config.map((c) => c.properties)) as Record<string, { default?: unknown }> : config.properties;
    assert.strictEqual(properties['qkvLens.maxTokens'].default, DEFAULT_MAX_TOKENS);
    assert.ok(DEFAULT_MAX_TOKENS >= 1024);
  });
});
