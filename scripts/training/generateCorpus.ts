/**
 * Writes the template-generated part of the teaching corpus (data/corpus/*-generated.txt) from the
 * fillers below, with a fixed seed, so the files are reproducible:
 *
 *   npx tsx scripts/training/generateCorpus.ts
 *
 * All text here is written for this project (MIT). The held-out sentence is never emitted.
 */
import * as fs from 'fs';
import * as path from 'path';
import { HELD_OUT_SENTENCE, corpusDir } from './corpus';
import { Prng } from './prng';

const rng = new Prng(20261125);
const pick = <T>(xs: readonly T[]): T => rng.pick(xs);
const chance = (p: number): boolean => rng.next() < p;

// ---------------------------------------------------------------- Chinese

const CITIES = [
  '福州', '北京', '上海', '广州', '深圳', '杭州', '南京', '成都', '重庆', '武汉', '西安', '厦门', '泉州', '天津', '苏州',
  '长沙', '郑州', '青岛', '大连', '沈阳', '哈尔滨', '昆明', '贵阳', '南宁', '合肥', '济南', '石家庄', '太原', '兰州',
  '拉萨', '海口', '三亚', '宁波', '温州', '无锡', '珠海', '东莞', '佛山', '香港', '澳门', '莆田', '漳州', '南昌', '长春',
  '呼和浩特', '银川', '西宁', '乌鲁木齐', '宁德', '龙岩', '三明', '南平',
];
// The cities the issue names come up more often.
const CITY_WEIGHTED = [...CITIES, '福州', '福州', '福州', '北京', '北京', '北京', '上海', '上海', '深圳', '杭州'];
const PROVINCES = ['福建', '浙江', '广东', '江苏', '四川', '湖南', '湖北', '河南', '河北', '山东', '山西', '陕西', '云南', '贵州', '江西', '安徽', '辽宁', '吉林', '黑龙江', '广西', '海南', '甘肃'];

interface Job {
  name: string;
  does: string[];
  place: string[];
}
const JOBS: Job[] = [
  { name: '程序员', does: ['写代码', '修bug', '改需求', '开会', '加班', '看日志', '写测试', '查文档', '调接口', '重构代码'], place: ['互联网公司', '科技公司', '游戏公司', '银行', '创业公司', '外企'] },
  { name: '设计师', does: ['画图', '改设计稿', '做海报', '设计界面', '挑颜色', '改图', '画草图', '和客户沟通'], place: ['设计公司', '广告公司', '互联网公司', '工作室', '杂志社'] },
  { name: '工程师', does: ['调试设备', '画图纸', '写报告', '解决问题', '检查机器', '做实验', '修服务器', '开会'], place: ['工厂', '研究所', '科技公司', '汽车公司', '电力公司', '建筑公司'] },
  { name: '前端工程师', does: ['写页面', '调样式', '修bug', '写代码', '改需求'], place: ['互联网公司', '科技公司', '创业公司'] },
  { name: '后端工程师', does: ['写接口', '查数据库', '修bug', '写代码', '看日志'], place: ['互联网公司', '银行', '科技公司'] },
  { name: '算法工程师', does: ['训练模型', '调参数', '看论文', '写代码', '分析数据'], place: ['互联网公司', '研究院', '科技公司'] },
  { name: '测试工程师', does: ['写测试', '找bug', '写报告', '跑测试'], place: ['科技公司', '游戏公司', '互联网公司'] },
  { name: '运维工程师', does: ['修服务器', '看监控', '值夜班', '写脚本'], place: ['互联网公司', '银行', '数据中心'] },
  { name: '产品经理', does: ['写需求', '开会', '画原型', '和程序员吵架', '看数据'], place: ['互联网公司', '科技公司', '创业公司'] },
  { name: '架构师', does: ['设计系统', '画架构图', '开会', '审查代码'], place: ['科技公司', '银行', '互联网公司'] },
  { name: '数据分析师', does: ['看报表', '分析数据', '画图表', '写报告'], place: ['咨询公司', '互联网公司', '银行'] },
  { name: '建筑师', does: ['画图纸', '设计大楼', '去工地', '改方案'], place: ['设计院', '建筑公司'] },
  { name: '医生', does: ['看病人', '做手术', '值夜班', '写病历'], place: ['医院', '诊所', '社区医院'] },
  { name: '护士', does: ['照顾病人', '打针', '值夜班', '量体温'], place: ['医院', '诊所'] },
  { name: '老师', does: ['上课', '改作业', '备课', '开家长会'], place: ['小学', '中学', '大学', '培训学校'] },
  { name: '律师', does: ['看合同', '打官司', '见客户', '写材料'], place: ['律师事务所', '公司'] },
  { name: '会计', does: ['算工资', '做账', '报税', '看报表'], place: ['公司', '银行', '会计事务所'] },
  { name: '厨师', does: ['做饭', '切菜', '研究新菜', '准备食材'], place: ['饭店', '餐厅', '酒店', '食堂'] },
  { name: '司机', does: ['开车', '送客人', '等红灯', '加油'], place: ['出租车公司', '公交公司', '物流公司'] },
  { name: '记者', does: ['采访', '写新闻', '拍照片', '赶稿子'], place: ['报社', '电视台', '杂志社'] },
  { name: '编辑', does: ['改稿子', '看稿子', '排版', '写标题'], place: ['出版社', '杂志社', '报社'] },
  { name: '作家', does: ['写小说', '写文章', '看书', '找灵感'], place: ['家里', '咖啡馆'] },
  { name: '摄影师', does: ['拍照片', '修照片', '找风景', '拍婚礼'], place: ['工作室', '杂志社', '影楼'] },
  { name: '快递员', does: ['送快递', '打电话', '搬箱子', '骑电动车'], place: ['快递公司', '物流公司'] },
  { name: '外卖员', does: ['送外卖', '骑电动车', '等红灯', '爬楼梯'], place: ['外卖平台'] },
  { name: '服务员', does: ['端菜', '点菜', '擦桌子', '倒茶'], place: ['饭店', '餐厅', '酒店', '茶馆'] },
  { name: '售货员', does: ['卖东西', '整理货架', '收钱', '介绍商品'], place: ['商场', '超市', '商店'] },
  { name: '研究员', does: ['做实验', '写论文', '看数据', '开组会'], place: ['研究所', '实验室', '研究院'] },
  { name: '公务员', does: ['写材料', '开会', '办事', '接待群众'], place: ['政府机关', '单位'] },
  { name: '警察', does: ['巡逻', '值班', '帮助群众', '处理案件'], place: ['派出所', '公安局'] },
  { name: '消防员', does: ['训练', '救火', '值班', '检查设备'], place: ['消防队'] },
  { name: '运动员', does: ['训练', '比赛', '跑步', '看录像'], place: ['体育队', '体育学校'] },
  { name: '飞行员', does: ['开飞机', '训练', '检查飞机', '看天气'], place: ['航空公司'] },
  { name: '翻译', does: ['翻译文件', '查词典', '做口译', '看外文书'], place: ['翻译公司', '外企', '出版社'] },
  { name: '导游', does: ['带游客', '讲故事', '订酒店', '买门票'], place: ['旅行社'] },
  { name: '店长', does: ['管店', '算账', '招人', '进货'], place: ['咖啡店', '便利店', '服装店', '书店'] },
  { name: '工人', does: ['干活', '搬东西', '修机器', '上夜班'], place: ['工厂', '工地'] },
  { name: '农民', does: ['种地', '种水稻', '养鸡', '卖菜'], place: ['农村', '村里'] },
  { name: '学生', does: ['上课', '写作业', '考试', '看书'], place: ['大学', '中学', '学校'] },
  { name: '研究生', does: ['写论文', '做实验', '看论文', '开组会'], place: ['大学', '研究所'] },
  { name: '科学家', does: ['做研究', '写论文', '做实验', '思考问题'], place: ['研究所', '大学', '实验室'] },
  { name: '创业者', does: ['找投资', '开会', '招人', '想办法'], place: ['创业公司', '孵化器'] },
  { name: '项目经理', does: ['开会', '排计划', '催进度', '写周报'], place: ['科技公司', '建筑公司', '咨询公司'] },
  { name: '销售员', does: ['见客户', '打电话', '签合同', '出差'], place: ['公司', '商场', '房产公司'] },
  { name: '理发师', does: ['剪头发', '洗头', '染发', '聊天'], place: ['理发店'] },
  { name: '保安', does: ['站岗', '巡逻', '看监控', '值夜班'], place: ['小区', '公司', '商场'] },
];
// 程序员, 设计师 and 工程师 come up more often.
const JOB_WEIGHTED: Job[] = [...JOBS, JOBS[0], JOBS[0], JOBS[0], JOBS[0], JOBS[1], JOBS[1], JOBS[1], JOBS[2], JOBS[2], JOBS[2]];
const ADJECTIVES = [
  '正值壮年', '年轻', '勤奋', '普通', '快乐', '忙碌', '疲惫', '认真', '热情', '经验丰富', '刚毕业', '三十多岁', '爱笑', '努力',
  '有点累', '乐观', '安静', '内向', '外向', '资深', '平凡', '热爱生活', '每天加班', '喜欢咖啡', '爱看书', '爱运动', '聪明',
  '细心', '幽默', '朴实', '靠谱', '四十岁', '二十多岁', '有梦想', '不太爱说话', '头发很少', '刚入行', '很有耐心',
];
const PREFIXES = ['', '', '', '', '', '牛马', '牛马', '打工的', '小', '普通的', '一线'];
const NAMES = ['小王', '小李', '小张', '小陈', '小林', '小刘', '张伟', '王芳', '李娜', '刘洋', '陈静', '杨帆', '赵磊', '黄敏', '周杰', '吴婷', '林晓', '郑华', '老张', '老李', '老王', '阿明', '阿强', '小美', '大伟', '林涛', '何琳', '高远', '罗丹', '宋雨'];
const PRONOUNS = ['我', '他', '她'];
const RELATIVES = ['爸爸', '妈妈', '哥哥', '姐姐', '弟弟', '妹妹', '表哥', '表姐', '舅舅', '阿姨', '叔叔', '老公', '老婆', '男朋友', '女朋友', '同学', '室友', '邻居', '同事', '朋友'];
const NUMBERS = ['两', '三', '四', '五', '六', '七', '八', '九', '十', '十几', '二十'];
const AGES = ['二十二', '二十五', '二十八', '三十', '三十二', '三十五', '四十', '四十五', '五十'];
const TIMES = ['每天早上', '每天晚上', '周末', '下班以后', '中午', '每个星期', '有时候', '经常'];
const FOODS: Record<string, string> = {
  福州: '鱼丸', 北京: '烤鸭', 上海: '小笼包', 广州: '早茶', 成都: '火锅', 重庆: '小面', 武汉: '热干面', 西安: '肉夹馍',
  厦门: '沙茶面', 杭州: '西湖醋鱼', 南京: '盐水鸭', 长沙: '臭豆腐', 天津: '煎饼果子', 兰州: '牛肉面', 青岛: '海鲜', 深圳: '肠粉',
};
const WEATHER = ['很热', '很冷', '下雨', '刮风', '阴天', '晴天', '下雪', '很潮湿', '很干燥', '很舒服'];

function job(): Job {
  return pick(JOB_WEIGHTED);
}
function jobName(withPrefix = true): string {
  const j = job().name;
  return withPrefix ? pick(PREFIXES) + j : j;
}
function twoCities(): [string, string] {
  const a = pick(CITY_WEIGHTED);
  let b = pick(CITY_WEIGHTED);
  while (b === a) b = pick(CITY_WEIGHTED);
  return [a, b];
}

const ZH_TEMPLATES: Array<() => string> = [
  () => {
    const [a, b] = twoCities();
    return `我来自${a},现在住在${b},是一个${pick(ADJECTIVES)}的${jobName()}`;
  },
  () => {
    const [a, b] = twoCities();
    return `${pick(PRONOUNS)}来自${a},现在住在${b},是一个${pick(ADJECTIVES)}的${jobName()}`;
  },
  () => {
    const [a, b] = twoCities();
    return `${pick(NAMES)}来自${a},现在住在${b},是一名${jobName(false)}`;
  },
  () => {
    const [a, b] = twoCities();
    return `${pick(PRONOUNS)}来自${a},现在在${b}工作,是一名${jobName(false)}。`;
  },
  () => `${pick(PRONOUNS)}是${pick(CITY_WEIGHTED)}人,在${pick(CITY_WEIGHTED)}当${jobName(false)}。`,
  () => `我的${pick(RELATIVES)}是一个${jobName()},住在${pick(CITY_WEIGHTED)}。`,
  () => {
    const j = job();
    return `${pick(NAMES)}在${pick(CITY_WEIGHTED)}的一家${pick(j.place)}当${j.name},${pick(TIMES)}都要${pick(j.does)}。`;
  },
  () => {
    const j = job();
    return `作为一个${pick(ADJECTIVES)}的${j.name},${pick(PRONOUNS)}每天都要${pick(j.does)}。`;
  },
  () => {
    const j = job();
    return `${pick(PRONOUNS)}是一个${j.name},${pick(TIMES)}${pick(j.does)},有时候也${pick(j.does)}。`;
  },
  () => {
    const [a, b] = twoCities();
    return `我在${a}住了${pick(NUMBERS)}年,后来搬到了${b}。`;
  },
  () => `我们公司有${pick(NUMBERS)}个${jobName(false)}和${pick(NUMBERS)}个${jobName(false)}。`,
  () => {
    const [a, b] = twoCities();
    return `从${a}到${b}坐高铁要${pick(NUMBERS)}个小时。`;
  },
  () => `我是一个${jobName()},今年${pick(AGES)}岁,老家在${pick(CITY_WEIGHTED)}`,
  () => `现在住在${pick(CITY_WEIGHTED)}的${jobName(false)}越来越多了。`,
  () => `${pick(PRONOUNS)}以前是${jobName(false)},现在是${jobName()}。`,
  () => `我${pick(['爸爸', '哥哥', '姐姐'])}是${jobName(false)},我${pick(['妈妈', '弟弟', '妹妹'])}是${jobName(false)}。`,
  () => {
    const [a, b] = twoCities();
    return `${pick(NAMES)}是一个来自${a}的${jobName()},现在住在${b}`;
  },
  () => {
    const [a, b] = twoCities();
    return `这个${pick(ADJECTIVES)}的${jobName(false)}来自${a},已经在${b}住了${pick(NUMBERS)}年。`;
  },
  () => `${pick(CITY_WEIGHTED)}的天气${pick(WEATHER)},${pick(PRONOUNS)}不太习惯。`,
  () => {
    const c = pick(Object.keys(FOODS));
    return `${c}的${FOODS[c]}很好吃,${pick(PRONOUNS)}每次去${c}都要吃。`;
  },
  () => {
    const c = pick(Object.keys(FOODS));
    return `我来自${c},最想念的是家乡的${FOODS[c]}。`;
  },
  () => `${pick(PRONOUNS)}是${pick(PROVINCES)}人,大学毕业以后去了${pick(CITY_WEIGHTED)}当${jobName(false)}。`,
  () => {
    const [a, b] = twoCities();
    return `虽然现在住在${b},但是${pick(PRONOUNS)}的家人都在${a}。`;
  },
  () => `${pick(NAMES)}说:"我是${jobName()},我现在住在${pick(CITY_WEIGHTED)}。"`,
  () => `你来自哪里?我来自${pick(CITY_WEIGHTED)}。你现在住在哪里?我现在住在${pick(CITY_WEIGHTED)}。`,
  () => `你是做什么工作的?我是一个${pick(ADJECTIVES)}的${jobName()}。`,
  () => {
    const j = job();
    return `${pick(ADJECTIVES)}的${j.name}${pick(NAMES)}正在${pick(j.does)}。`;
  },
  () => `${pick(PRONOUNS)}正值壮年,是${pick(CITY_WEIGHTED)}一家公司的${jobName(false)}。`,
  () => `在${pick(CITY_WEIGHTED)},很多${jobName(false)}每天都要加班,觉得自己像牛马一样。`,
  () => `一个来自${pick(CITY_WEIGHTED)}的${jobName(false)}和一个来自${pick(CITY_WEIGHTED)}的${jobName(false)}成了好朋友。`,
  () => {
    const [a, b] = twoCities();
    return `我来自${a},现在住在${b},在一家${pick(job().place)}上班`;
  },
  () => {
    const [a, b] = twoCities();
    return `他们都来自${a},现在都住在${b},都是${jobName(false)}。`;
  },
];

function zhSentence(): string {
  for (;;) {
    const s = pick(ZH_TEMPLATES)();
    if (s.replace(/[。.]$/, '') !== HELD_OUT_SENTENCE) return s;
  }
}

// ---------------------------------------------------------------- English

const EN_CITIES = ['Fuzhou', 'Beijing', 'Shanghai', 'Guangzhou', 'Shenzhen', 'Hangzhou', 'Nanjing', 'Chengdu', 'Wuhan', "Xi'an", 'Xiamen', 'London', 'Paris', 'Berlin', 'Tokyo', 'Seoul', 'Singapore', 'Sydney', 'Toronto', 'New York', 'Boston', 'Seattle', 'Austin', 'Madrid', 'Rome', 'Dublin', 'Oslo', 'Cairo', 'Lagos', 'Lima'];
const EN_JOBS = ['programmer', 'programmer', 'programmer', 'designer', 'designer', 'engineer', 'engineer', 'software engineer', 'data scientist', 'product manager', 'teacher', 'doctor', 'nurse', 'lawyer', 'accountant', 'chef', 'driver', 'journalist', 'writer', 'photographer', 'researcher', 'student', 'architect', 'translator', 'farmer', 'scientist', 'pilot', 'musician', 'baker', 'electrician'];
const EN_ADJ = ['young', 'busy', 'tired', 'happy', 'quiet', 'friendly', 'careful', 'curious', 'patient', 'hardworking', 'experienced', 'new', 'retired', 'cheerful', 'clever', 'ordinary'];
const EN_NAMES = ['Alice', 'Bob', 'Carol', 'David', 'Emma', 'Frank', 'Grace', 'Henry', 'Iris', 'Jack', 'Kate', 'Leo', 'Mia', 'Noah', 'Olivia', 'Paul', 'Wang Wei', 'Li Na', 'Chen Jing', 'Zhang Wei'];
const EN_DOES: Record<string, string[]> = {
  programmer: ['writes code', 'fixes bugs', 'reviews pull requests', 'reads logs', 'writes tests'],
  designer: ['draws sketches', 'picks colors', 'designs posters', 'talks to clients'],
  engineer: ['tests machines', 'writes reports', 'solves problems', 'checks the servers'],
};
const EN_REL = ['father', 'mother', 'brother', 'sister', 'cousin', 'friend', 'neighbour', 'colleague', 'roommate', 'uncle', 'aunt'];
const an = (w: string) => (/^[aeiou]/.test(w) ? 'an ' : 'a ') + w;
function enTwo(): [string, string] {
  const a = pick(EN_CITIES);
  let b = pick(EN_CITIES);
  while (b === a) b = pick(EN_CITIES);
  return [a, b];
}
const EN_TEMPLATES: Array<() => string> = [
  () => {
    const [a, b] = enTwo();
    return `I am from ${a}, and now I live in ${b}. I am ${an(pick(EN_ADJ))} ${pick(EN_JOBS)}.`;
  },
  () => `${pick(EN_NAMES)} works as ${an(pick(EN_JOBS))} in ${pick(EN_CITIES)}.`,
  () => `My ${pick(EN_REL)} is ${an(pick(EN_JOBS))} from ${pick(EN_CITIES)}.`,
  () => {
    const [a, b] = enTwo();
    return `${pick(EN_NAMES)} grew up in ${a} and moved to ${b} to work as ${an(pick(EN_JOBS))}.`;
  },
  () => {
    const j = pick(Object.keys(EN_DOES));
    return `Every day the ${pick(EN_ADJ)} ${j} ${pick(EN_DOES[j])} and then ${pick(EN_DOES[j])}.`;
  },
  () => {
    const [a, b] = enTwo();
    return `The train from ${a} to ${b} takes ${pick(['two', 'three', 'four', 'five', 'six', 'seven'])} hours.`;
  },
  () => `Where are you from? I am from ${pick(EN_CITIES)}. Where do you live now? I live in ${pick(EN_CITIES)}.`,
  () => `What do you do? I am ${an(pick(EN_ADJ))} ${pick(EN_JOBS)}.`,
  () => `Our team has ${pick(['two', 'three', 'four', 'five'])} ${pick(EN_JOBS)}s and one ${pick(EN_JOBS)}.`,
  () => `He used to be ${an(pick(EN_JOBS))}, but now he is ${an(pick(EN_JOBS))} in ${pick(EN_CITIES)}.`,
  () => `She used to live in ${pick(EN_CITIES)}, but now she lives in ${pick(EN_CITIES)}.`,
  () => `The ${pick(EN_JOBS)} from ${pick(EN_CITIES)} and the ${pick(EN_JOBS)} from ${pick(EN_CITIES)} became good friends.`,
];

// ---------------------------------------------------------------- code

const IDS = ['x', 'y', 'z', 'a', 'b', 'c', 'i', 'j', 'k', 'n', 'total', 'count', 'items', 'value', 'result', 'data', 'index', 'size', 'name', 'user', 'config', 'weights', 'scores', 'tokens', 'model', 'layer', 'head', 'query', 'key', 'mask', 'row', 'col', 'left', 'right', 'node', 'text', 'line', 'width', 'height', 'price', 'offset', 'step'];
const FNS = ['max', 'min', 'sum', 'len', 'map', 'filter', 'parse', 'load', 'compute', 'format', 'get', 'push', 'softmax', 'sqrt', 'abs', 'print', 'log', 'range', 'zip', 'encode', 'decode', 'round', 'floor', 'concat', 'slice', 'reduce', 'render', 'update', 'check', 'mean'];
const OPS = ['+', '-', '*', '/', '%', '<', '>', '==', '&&', '||'];
const LISP_OPS = ['+', '-', '*', '/', 'max', 'min', 'list', 'cons', 'if', 'f', 'g', 'car', 'cdr'];

function num(): string {
  return String(rng.int(chance(0.7) ? 10 : 1000));
}

/** A random nested expression in C-like syntax (JS, TS, Python, C all share this part). */
function expr(depth: number): string {
  if (depth <= 0 || chance(0.25)) return chance(0.7) ? pick(IDS) : num();
  const r = rng.next();
  if (r < 0.35) {
    const n = rng.int(3) + (chance(0.8) ? 1 : 0);
    const args = Array.from({ length: n }, () => expr(depth - 1));
    return `${pick(FNS)}(${args.join(', ')})`;
  }
  if (r < 0.6) return `(${expr(depth - 1)} ${pick(OPS)} ${expr(depth - 1)})`;
  if (r < 0.7) return `${expr(depth - 1)} ${pick(OPS)} ${expr(depth - 1)}`;
  if (r < 0.8) return `${pick(IDS)}[${expr(depth - 1)}]`;
  if (r < 0.9) return `[${Array.from({ length: rng.int(3) + 1 }, () => expr(depth - 1)).join(', ')}]`;
  return `${pick(IDS)}.${pick(FNS)}(${expr(depth - 1)})`;
}

function lisp(depth: number, top = false): string {
  if (!top && (depth <= 0 || chance(0.3))) return chance(0.6) ? pick(IDS) : num();
  const n = rng.int(3) + 1;
  return `(${pick(LISP_OPS)} ${Array.from({ length: n }, () => lisp(depth - 1)).join(' ')})`;
}

function jsStatement(depth: number): string {
  const r = rng.next();
  if (r < 0.3) return `const ${pick(IDS)} = ${expr(depth)};`;
  if (r < 0.45) return `${pick(IDS)} = ${expr(depth)};`;
  if (r < 0.6) return `if (${expr(depth - 1)}) {\n  ${pick(FNS)}(${expr(depth - 1)});\n}`;
  if (r < 0.7) return `for (let ${pick(['i', 'j', 'k'])} = 0; ${pick(['i', 'j', 'k'])} < ${expr(1)}; ${pick(['i', 'j', 'k'])}++) {\n  ${pick(IDS)}.push(${expr(depth - 1)});\n}`;
  if (r < 0.8) return `return ${expr(depth)};`;
  if (r < 0.9) return `${pick(IDS)}.${pick(FNS)}((${pick(IDS)}) => ${expr(depth - 1)});`;
  return `console.log(${expr(depth)});`;
}

function pyStatement(depth: number): string {
  const r = rng.next();
  if (r < 0.35) return `${pick(IDS)} = ${expr(depth)}`;
  if (r < 0.5) return `if ${expr(depth - 1)}:\n    ${pick(IDS)} = ${expr(depth - 1)}`;
  if (r < 0.65) return `for ${pick(IDS)} in range(${expr(depth - 1)}):\n    print(${expr(depth - 1)})`;
  if (r < 0.8) return `return ${expr(depth)}`;
  return `${pick(IDS)} = [${expr(depth - 1)} for ${pick(['x', 'y', 'i'])} in ${pick(IDS)}]`;
}

function codeDoc(): string {
  const r = rng.next();
  const depth = 2 + rng.int(3);
  const n = 2 + rng.int(5);
  if (r < 0.45) {
    const body = Array.from({ length: n }, () => jsStatement(depth)).join('\n');
    if (chance(0.5)) return body;
    const params = Array.from({ length: rng.int(3) + 1 }, () => pick(IDS)).join(', ');
    return `function ${pick(FNS)}${pick(['', 'All', 'One', 'Rows', 'Items'])}(${params}) {\n${body.replace(/^/gm, '  ')}\n}`;
  }
  if (r < 0.75) {
    const body = Array.from({ length: n }, () => pyStatement(depth)).join('\n');
    if (chance(0.5)) return body;
    const params = Array.from({ length: rng.int(3) + 1 }, () => pick(IDS)).join(', ');
    return `def ${pick(FNS)}_${pick(IDS)}(${params}):\n${body.replace(/^/gm, '    ')}`;
  }
  if (r < 0.9) return Array.from({ length: 1 + rng.int(3) }, () => lisp(depth + 1, true)).join('\n');
  return `const ${pick(IDS)} = ${JSON.stringify(jsonValue(depth))};`;
}

type JsonValue = number | string | JsonValue[] | { [k: string]: JsonValue };
function jsonValue(depth: number): JsonValue {
  if (depth <= 0 || chance(0.3)) return chance(0.5) ? rng.int(100) : pick(IDS);
  if (chance(0.5)) return Array.from({ length: rng.int(3) + 1 }, () => jsonValue(depth - 1));
  const o: { [k: string]: JsonValue } = {};
  for (let i = rng.int(3) + 1; i > 0; i--) o[pick(IDS)] = jsonValue(depth - 1);
  return o;
}

// ---------------------------------------------------------------- write

function unique(make: () => string, count: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let tries = 0; out.length < count && tries < count * 20; tries++) {
    const s = make();
    if (!seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  }
  return out;
}

function main(): void {
  const dir = corpusDir(path.resolve(__dirname, '..', '..'));
  const zh = unique(zhSentence, 7000);
  const en = unique(() => pick(EN_TEMPLATES)(), 3500);
  const code = unique(codeDoc, 1200);
  if (zh.some((s) => s.includes(HELD_OUT_SENTENCE))) throw new Error('held-out sentence generated');
  fs.writeFileSync(path.join(dir, 'zh-generated.txt'), zh.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'en-generated.txt'), en.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'code-generated.txt'), code.join('\n\n') + '\n');
  console.log(`zh ${zh.length} sentences, en ${en.length} sentences, code ${code.length} snippets`);
}

main();
