# bootproto Linux boot protocol test guest: the real-mode part of a bzImage.
# A boot sector whose last bytes hold the setup header (Documentation/arch/x86/boot.rst),
# then setup code (C, gcc -m16) that dumps what the boot loader left over COM1.
# Linked at address 0 = file offset 0 (see guest.ld), like a real bzImage's setup.
	.code16
	.section .bstext, "ax"
	.globl _start
_start:
	# A boot sector nobody runs: QEMU enters at the setup code (offset 0x200).
	cli
1:	hlt
	jmp 1b

	.section .header, "a"
	.globl hdr
hdr:
setup_sects:		.byte SETUP_SECTS		# 0x1f1
root_flags:		.word 0				# 0x1f2
syssize:		.long PM_PARAS			# 0x1f4 (from guest.ld)
ram_size:		.word 0				# 0x1f8
vid_mode:		.word 0xffff			# 0x1fa (NORMAL_VGA)
root_dev:		.word 0				# 0x1fc
boot_flag:		.word 0xaa55			# 0x1fe
# offset 0x200
	.byte	0xeb					# short jump over the header
	.byte	0x6a					# to 0x26c (guest.ld asserts it)
1:	.ascii	"HdrS"					# 0x202
	.word	0x020f					# 0x206 protocol 2.15
realmode_swtch:		.long 0				# 0x208
start_sys_seg:		.word 0x1000			# 0x20c
			.word kernel_version_str - 0x200	# 0x20e
type_of_loader:		.byte 0				# 0x210
loadflags:		.byte 0x01			# 0x211 LOADED_HIGH
setup_move_size:	.word 0x8000			# 0x212
code32_start:		.long 0x100000			# 0x214
ramdisk_image:		.long 0				# 0x218
ramdisk_size:		.long 0				# 0x21c
bootsect_kludge:	.long 0				# 0x220
heap_end_ptr:		.word 0				# 0x224
ext_loader_ver:		.byte 0				# 0x226
ext_loader_type:	.byte 0				# 0x227
cmd_line_ptr:		.long 0				# 0x228
initrd_addr_max:	.long 0x7fffffff		# 0x22c
kernel_alignment:	.long 0x200000			# 0x230
relocatable_kernel:	.byte 0				# 0x234
min_alignment:		.byte 0				# 0x235
xloadflags:		.word 0				# 0x236
cmdline_size:		.long 2047			# 0x238
hardware_subarch:	.long 0				# 0x23c
hardware_subarch_data:	.quad 0				# 0x240
payload_offset:		.long payload - pm_start	# 0x248
payload_length:		.long payload_end - payload	# 0x24c
setup_data:		.quad 0				# 0x250
pref_address:		.quad 0x100000			# 0x258
init_size:		.long 0x400000			# 0x260
handover_offset:	.long 0				# 0x264
kernel_info_offset:	.long kernel_info - pm_start	# 0x268
# offset 0x26c: the end of the header
	.section .entrytext, "ax"
	.globl start_of_setup
start_of_setup:
	# CS is real-mode base + 0x20 paragraphs; make CS equal DS (the base) so that
	# the C code's offsets hold for code and data alike, as Linux's header.S does.
	pushw	%ds
	pushw	$1f
	lretw
1:	movw	%ds, %ax
	movw	%ax, %es
	movw	%ax, %ss
	movl	$0xf000, %esp
	cld
	calll	dump_main
2:	cli
	hlt
	jmp	2b

	.section .rodata.version, "a"
kernel_version_str:
	.asciz	"bootproto-test-guest 1.0 (linux-bootparams)"

	# The protected-mode part, linked to run at 0x100000 (code32_start): a 32-bit
	# entry for loaders that use the 32-bit boot protocol, a payload (a gzip
	# magic and a few bytes) and kernel_info, so that the image looks like a bzImage.
	.section .pm, "ax"
	.code32
	.globl pm_start
pm_start:
	cli
	cld
	movl	$pm_stack_top, %esp
	pushl	%esi
	call	dump32_main
1:	hlt
	jmp	1b
payload:
	.byte	0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0
payload_end:
	.balign	4
kernel_info:
	.ascii	"LToP"
	.long	kernel_info_var - kernel_info
	.long	kernel_info_end - kernel_info
	.long	0x80000009				# setup_type_max
kernel_info_var:
kernel_info_end:
	.balign	16
pm_stack:
	.fill	4096, 1, 0
pm_stack_top:
