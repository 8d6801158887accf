#ifndef ARCH_X86_STACK_H
#define ARCH_X86_STACK_H

/* Continues on another stack by calling fn(arg), which must not return. */
__attribute__((noreturn)) void call_on_stack(void *stack_top, void (*fn)(void *),
					     void *arg);

#endif
