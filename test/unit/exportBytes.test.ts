import * as assert from 'assert';
import { ExportDataError, exportBytes, exportFileName } from '../../src/panel/exportBytes';

const PNG_1x1 = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

describe('export files', () => {
  it('decodes a PNG data URL to the PNG bytes', () => {
    const bytes = exportBytes('png', PNG_1x1);
    assert.deepStrictEqual(Array.from(bytes.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  it('refuses PNG exports that are not PNG data URLs', () => {
    assert.throws(() => exportBytes('png', 'data:text/html;base64,PGgxPg=='), ExportDataError);
    assert.throws(() => exportBytes('png', 'data:image/png;base64,' + Buffer.from('GIF89a').toString('base64')), ExportDataError);
  });

  it('writes text formats as UTF-8, Chinese included', () => {
    assert.strictEqual(Buffer.from(exportBytes('csv', 'query \\ key,0:员\n')).toString('utf8'), 'query \\ key,0:员\n');
  });

  it('gives the file the extension of its format', () => {
    assert.strictEqual(exportFileName('svg', 'qkv-matrix-L0-h1.png'), 'qkv-matrix-L0-h1.svg');
    assert.strictEqual(exportFileName('json', 'qkv-model'), 'qkv-model.json');
  });
});
