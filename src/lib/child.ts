// The entry point of every process the library starts. It loads the library through the same
// file the program imports, so that both see one copy of this process's state.
import { _bootstrapChild } from './index';

void _bootstrapChild();
