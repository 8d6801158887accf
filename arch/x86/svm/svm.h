/* The SVM (AMD-V) vCPU backend. */
#ifndef ARCH_X86_SVM_SVM_H
#define ARCH_X86_SVM_SVM_H

#include <stdbool.h>

struct vcpu_backend;

/* SVM with nested paging, not disabled by firmware (VM_CR.SVMDIS). */
bool svm_available(void);

extern const struct vcpu_backend svm_backend;

#endif
