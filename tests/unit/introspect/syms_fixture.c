/* Compiled for i386 only so the symbol-table test has a real ELF32 object to read. */
unsigned char mem_map[3840];
int counter = 5;
int helper(int x) { return x * counter; }
