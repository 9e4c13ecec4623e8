import type { ScenarioNote } from '../scenario/types.ts';

/** A note as its line reads: the text, then a question with its numbered choices (the answer is told after the run). */
export function noteLine(note: ScenarioNote): string {
  const q = note.question;
  return q === undefined ? note.text : `${note.text} QUESTION: ${q.text} (${q.choices.map((c, i) => `${i + 1}: ${c}`).join(' / ')})`;
}
