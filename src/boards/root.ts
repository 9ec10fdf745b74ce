/**
 * Reading the machine's files under a root folder: '/' on a board, a fake tree in tests. Every reader here
 * reports a missing or unreadable file as a value, never as an exception: probing must survive any board.
 */
import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** An absolute machine path (/proc/cpuinfo) under the root. */
export function underRoot(root: string, machinePath: string): string {
  return path.join(root, machinePath);
}

/** The text of a file, or undefined when it cannot be read. */
export async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The text of a file, or the reason it cannot be read ("ENOENT: no such file..."). */
export async function readTextOrError(file: string): Promise<{ text: string } | { error: string }> {
  try {
    return { text: await readFile(file, 'utf8') };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Names in a folder (sorted naturally: video2 before video10), or [] when it is absent. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort(naturalCompare);
  } catch {
    return [];
  }
}

export async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
