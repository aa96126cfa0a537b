// Types of side.mjs, for the TypeScript (multiproc) sides.
export function params(): Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export function report(metrics: Record<string, number[]>): void;
export function nowMs(): number;
export function add(metrics: Record<string, number[]>, name: string, value: number): void;
export function rssMiB(pid?: number | 'self'): number;
export function pssMiB(pid?: number | 'self'): number;
export function sleep(ms: number): Promise<void>;
export function waitForFiles(files: string[], timeoutMs?: number): Promise<void>;
export function monoMs(): number;
export function writeNumber(file: string, value: number): void;
export function readNumber(file: string): number;
export function waitForFile(file: string, timeoutMs?: number): Promise<void>;
export function median(values: number[]): number;
