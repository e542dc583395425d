#ifndef PW_CPU_NAMES_H
#define PW_CPU_NAMES_H

const char *cpu_exception_name(int vec); /* "#PF page fault" */
const char *cpu_reg_name(int r);         /* "eax" ... "edi" */
const char *cpu_sreg_name(int s);        /* "es" ... "gs" */

#endif
