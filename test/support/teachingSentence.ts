/**
 * The panel's first example and how the built-in model's tokenizer splits it (byte-level BPE: 程序 is one token,
 * 员 the next). Shared by the e2e and integration tests; test/unit/teachingModel.test.ts checks the split against
 * the shipped tokenizer.
 */
export const SENTENCE = '我来自福州,现在住在北京,是一个正值壮年的牛马程序员';
export const SENTENCE_TOKENS = ['我', '来自', '福', '州', ',', '现在', '住', '在', '北', '京', ',', '是一个', '正', '值', '壮', '年', '的', '牛', '马', '程序', '员'];
/** Token indices of 程序 and 员, and the character offset where each token starts. */
export const AT = { 程序: 19, 员: 20 } as const;
export function tokenStart(index: number): number {
  return SENTENCE_TOKENS.slice(0, index).join('').length;
}
