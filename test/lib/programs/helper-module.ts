export function helper(): string {
  return 'from a .ts module imported with a .js suffix';
}
