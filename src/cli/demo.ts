export const demoHelp = 'Usage: edgepipe demo';
export async function demoCommand(_argv: string[]): Promise<number> {
  return 0;
}
