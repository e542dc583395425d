/*
 * crt0.S - user program entry. The kernel starts us at a_entry (address 0) with ESP at
 * argc, char **argv, char **envp (Linux 0.11's create_tables, ABI.md). For robustness the
 * i386 ELF layout (argc, argv[0], ..., NULL, envp[0], ...) is accepted too: in the 0.11
 * layout the word after argc points just past the three words, to the argv array itself.
 */
	.section .text.start, "ax"
	.globl _start
_start:
	movl (%esp), %eax          /* argc */
	leal 12(%esp), %edx
	cmpl %edx, 4(%esp)
	jne 1f
	movl 4(%esp), %ecx         /* 0.11 layout: argv, envp are pointers on the stack */
	movl 8(%esp), %edx
	jmp 2f
1:	leal 4(%esp), %ecx         /* ELF layout: the arrays start right after argc */
	leal 8(%esp,%eax,4), %edx
2:	movl %edx, environ
	andl $-16, %esp
	subl $4, %esp
	pushl %edx
	pushl %ecx
	pushl %eax
	call main
	pushl %eax
	call exit
3:	jmp 3b
