// What each section asks for, shown in an empty editor.
export const PLACEHOLDERS: Record<string, string> = {
  problem: 'What is wrong today, in one or two sentences? Describe the problem, not a solution.',
  affected: 'Who feels this problem, how often, and how badly?',
  evidence: 'How do we know? Data, support tickets, research quotes, incidents.',
  workaround: 'What do people do today instead, and what does it cost them?',
  metrics: 'How will we know it got better? Name the measure and the target.',
  appetite: 'How much time is this problem worth to us? (e.g. two weeks, one team)',
  nogos: 'What are we explicitly not doing?',
  options: 'Ideas and options — each with what it would take.',
  approach: 'The approach we are going with, and why.',
  technical: 'How it could be built: components, data, interfaces.',
  feasibility: 'What we checked, what is unknown, what could stop us.',
  risks: 'Risks and rabbit holes to avoid.',
  tradeoffs: 'What we give up, and what we get for it.',
};
