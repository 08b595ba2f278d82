// Address spaces, as users name them.
export type Space = 'giova' | 'gpa' | 'hva' | 'iova';
export const SPACES: readonly Space[] = ['gpa', 'hva', 'iova', 'giova'];
export const isSpace = (s: string): s is Space => (SPACES as readonly string[]).includes(s);
export const spaceTitle: Record<Space, string> = { gpa: 'GPA', hva: 'HVA', iova: 'IOVA', giova: 'guest IOVA' };
