// A real-sized function to select whole in QKV Lens (Show Attention on all 40 lines): the built-in model reads
// up to 512 tokens. Things to look for: the bracket head sends each ) back to its (; the induction head sends the
// second `scores` of a line to the token after the first one; the previous-token head looks one token back.

export interface Score {
  student: string;
  subject: string;
  value: number;
}

export interface Summary {
  subject: string;
  count: number;
  mean: number;
  best: Score | undefined;
}

/** Groups scores by subject and summarises each group: how many, the mean, and the best score. */
export function groupScores(scores: Score[], minimum = 0): Summary[] {
  const groups = new Map<string, Score[]>();
  for (const score of scores) {
    if (score.value < minimum) continue;
    const group = groups.get(score.subject) ?? [];
    group.push(score);
    groups.set(score.subject, group);
  }
  const summaries: Summary[] = [];
  for (const [subject, group] of groups) {
    const total = group.reduce((sum, score) => sum + score.value, 0);
    let best: Score | undefined;
    for (const score of group) {
      if (best === undefined || score.value > best.value) best = score;
    }
    summaries.push({ subject, count: group.length, mean: total / group.length, best });
  }
  summaries.sort((a, b) => b.mean - a.mean || a.subject.localeCompare(b.subject));
  return summaries;
}

console.log(groupScores([{ student: 'Ada', subject: 'maths', value: 91 }, { student: 'Lin', subject: 'maths', value: 78 }]));
