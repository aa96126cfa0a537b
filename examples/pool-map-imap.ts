// From seed 001, section 5 "进程池pool" (first program): Pool(5).map returns the list of results; imap returns them one by one, in order, as an iterator.
import { Pool, isMainProcess } from 'multiproc';

export function func(name: string): string {
  console.log('start process');
  return name.toUpperCase();
}

// Python prints a list of strings as ['KEL', 'SMILE'].
const pyList = (items: string[]) => `[${items.map((s) => `'${s}'`).join(', ')}]`;

if (isMainProcess()) {
  const p = new Pool(5);
  console.log(pyList(await p.map<string>(func, ['kel', 'smile'])));
  for await (const i of p.imap<string>(func, ['kel', 'smile'])) {
    console.log(i);
  }
}
