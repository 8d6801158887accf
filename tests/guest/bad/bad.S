/* A guest whose instruction stream turns to garbage: it says so on its UART,
 * then runs bytes that are no instruction, with no IDT to take the #UD (the
 * gates at GPA 0 are all zero). The exception cannot be delivered, so the
 * vCPU triple-faults; hv must stop this guest alone and log its registers
 * while the others run on (the guest-crash boot scenario). */
	.code64
	.section .text
	.globl _start
_start:
	lea message(%rip), %rsi
1:	movb (%rsi), %al
	testb %al, %al
	jz 2f
	movw $0x3f8, %dx
	outb %al, %dx
	incq %rsi
	jmp 1b
2:	lidt empty_idt(%rip)
	.byte 0x0f, 0xff, 0xff, 0xff, 0xd6, 0xf1, 0x0f, 0x0b /* UD0, SALC, INT1, UD2 */
3:	hlt
	jmp 3b

	.section .rodata
message:
	.asciz "bad guest: running garbage now\n"
empty_idt:
	.word 0
	.quad 0
	.section .note.GNU-stack, "", @progbits
