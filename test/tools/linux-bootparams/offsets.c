/*
 * Prints the offset and size of every member of the x86 boot protocol's
 * structures, as the C compiler lays them out from the installed kernel
 * headers (Debian's linux-libc-dev: <asm/bootparam.h> and what it includes).
 * test/tools/linux-bootparams-offsets.test.ts compares them with bootproto's
 * layout tables. Structures that are not in the uapi headers (the kexec ABI's
 * efi_setup_data, pci_setup_rom, cc_setup_data, and kho_data for headers
 * older than 6.16) are declared below as the kernel declares them, so that
 * the compiler, not us, decides their padding.
 */
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <asm/bootparam.h>

struct efi_setup_data { __u64 fw_vendor; __u64 __unused; __u64 tables; __u64 smbios; __u64 reserved[8]; };
struct pci_setup_rom { struct setup_data data; uint16_t vendor; uint16_t devid; uint64_t pcilen; unsigned long segment;
  unsigned long bus; unsigned long device; unsigned long function; uint8_t romdata[]; };
struct cc_setup_data { struct setup_data header; __u32 cc_blob_address; };
struct kho_data_ { __u64 fdt_addr; __u64 fdt_size; __u64 scratch_addr; __u64 scratch_size; } __attribute__((packed));

#define P(s, f) printf("%s %s %zu %zu\n", #s, #f, offsetof(struct s, f), sizeof(((struct s *)0)->f));
#define S(s) printf("%s SIZE %zu 0\n", #s, sizeof(struct s));
int main(void) {
S(setup_header) P(setup_header,setup_sects) P(setup_header,root_flags) P(setup_header,syssize) P(setup_header,ram_size) P(setup_header,vid_mode) P(setup_header,root_dev) P(setup_header,boot_flag) P(setup_header,jump) P(setup_header,header) P(setup_header,version) P(setup_header,realmode_swtch) P(setup_header,start_sys_seg) P(setup_header,kernel_version) P(setup_header,type_of_loader) P(setup_header,loadflags) P(setup_header,setup_move_size) P(setup_header,code32_start) P(setup_header,ramdisk_image) P(setup_header,ramdisk_size) P(setup_header,bootsect_kludge) P(setup_header,heap_end_ptr) P(setup_header,ext_loader_ver) P(setup_header,ext_loader_type) P(setup_header,cmd_line_ptr) P(setup_header,initrd_addr_max) P(setup_header,kernel_alignment) P(setup_header,relocatable_kernel) P(setup_header,min_alignment) P(setup_header,xloadflags) P(setup_header,cmdline_size) P(setup_header,hardware_subarch) P(setup_header,hardware_subarch_data) P(setup_header,payload_offset) P(setup_header,payload_length) P(setup_header,setup_data) P(setup_header,pref_address) P(setup_header,init_size) P(setup_header,handover_offset) P(setup_header,kernel_info_offset)
S(boot_params) P(boot_params,screen_info) P(boot_params,apm_bios_info) P(boot_params,_pad2) P(boot_params,tboot_addr) P(boot_params,ist_info) P(boot_params,acpi_rsdp_addr) P(boot_params,_pad3) P(boot_params,hd0_info) P(boot_params,hd1_info) P(boot_params,sys_desc_table) P(boot_params,olpc_ofw_header) P(boot_params,ext_ramdisk_image) P(boot_params,ext_ramdisk_size) P(boot_params,ext_cmd_line_ptr) P(boot_params,_pad4) P(boot_params,cc_blob_address) P(boot_params,edid_info) P(boot_params,efi_info) P(boot_params,alt_mem_k) P(boot_params,scratch) P(boot_params,e820_entries) P(boot_params,eddbuf_entries) P(boot_params,edd_mbr_sig_buf_entries) P(boot_params,kbd_status) P(boot_params,secure_boot) P(boot_params,_pad5) P(boot_params,sentinel) P(boot_params,_pad6) P(boot_params,hdr) P(boot_params,_pad7) P(boot_params,edd_mbr_sig_buffer) P(boot_params,e820_table) P(boot_params,_pad8) P(boot_params,eddbuf) P(boot_params,_pad9)
S(screen_info) P(screen_info,orig_x) P(screen_info,orig_y) P(screen_info,ext_mem_k) P(screen_info,orig_video_page) P(screen_info,orig_video_mode) P(screen_info,orig_video_cols) P(screen_info,flags) P(screen_info,unused2) P(screen_info,orig_video_ega_bx) P(screen_info,unused3) P(screen_info,orig_video_lines) P(screen_info,orig_video_isVGA) P(screen_info,orig_video_points) P(screen_info,lfb_width) P(screen_info,lfb_height) P(screen_info,lfb_depth) P(screen_info,lfb_base) P(screen_info,lfb_size) P(screen_info,cl_magic) P(screen_info,cl_offset) P(screen_info,lfb_linelength) P(screen_info,red_size) P(screen_info,red_pos) P(screen_info,green_size) P(screen_info,green_pos) P(screen_info,blue_size) P(screen_info,blue_pos) P(screen_info,rsvd_size) P(screen_info,rsvd_pos) P(screen_info,vesapm_seg) P(screen_info,vesapm_off) P(screen_info,pages) P(screen_info,vesa_attributes) P(screen_info,capabilities) P(screen_info,ext_lfb_base) P(screen_info,_reserved)
S(apm_bios_info) P(apm_bios_info,version) P(apm_bios_info,cseg) P(apm_bios_info,offset) P(apm_bios_info,cseg_16) P(apm_bios_info,dseg) P(apm_bios_info,flags) P(apm_bios_info,cseg_len) P(apm_bios_info,cseg_16_len) P(apm_bios_info,dseg_len)
S(ist_info) P(ist_info,signature) P(ist_info,command) P(ist_info,event) P(ist_info,perf_level)
S(sys_desc_table) P(sys_desc_table,length) P(sys_desc_table,table)
S(olpc_ofw_header) P(olpc_ofw_header,ofw_magic) P(olpc_ofw_header,ofw_version) P(olpc_ofw_header,cif_handler) P(olpc_ofw_header,irq_desc_table)
S(efi_info) P(efi_info,efi_loader_signature) P(efi_info,efi_systab) P(efi_info,efi_memdesc_size) P(efi_info,efi_memdesc_version) P(efi_info,efi_memmap) P(efi_info,efi_memmap_size) P(efi_info,efi_systab_hi) P(efi_info,efi_memmap_hi)
S(edid_info) S(boot_e820_entry) P(boot_e820_entry,addr) P(boot_e820_entry,size) P(boot_e820_entry,type)
S(edd_info) P(edd_info,device) P(edd_info,version) P(edd_info,interface_support) P(edd_info,legacy_max_cylinder) P(edd_info,legacy_max_head) P(edd_info,legacy_sectors_per_track) P(edd_info,params)
S(edd_device_params) P(edd_device_params,length) P(edd_device_params,info_flags) P(edd_device_params,num_default_cylinders) P(edd_device_params,num_default_heads) P(edd_device_params,sectors_per_track) P(edd_device_params,number_of_sectors) P(edd_device_params,bytes_per_sector) P(edd_device_params,dpte_ptr) P(edd_device_params,key) P(edd_device_params,device_path_info_length) P(edd_device_params,reserved2) P(edd_device_params,reserved3) P(edd_device_params,host_bus_type) P(edd_device_params,interface_type) P(edd_device_params,interface_path) P(edd_device_params,device_path) P(edd_device_params,reserved4) P(edd_device_params,checksum)
S(setup_data) P(setup_data,next) P(setup_data,type) P(setup_data,len)
S(setup_indirect) P(setup_indirect,type) P(setup_indirect,reserved) P(setup_indirect,len) P(setup_indirect,addr)
S(jailhouse_setup_data) P(jailhouse_setup_data,hdr.version) P(jailhouse_setup_data,hdr.compatible_version) P(jailhouse_setup_data,v1.pm_timer_address) P(jailhouse_setup_data,v1.num_cpus) P(jailhouse_setup_data,v1.pci_mmconfig_base) P(jailhouse_setup_data,v1.tsc_khz) P(jailhouse_setup_data,v1.apic_khz) P(jailhouse_setup_data,v1.standard_ioapic) P(jailhouse_setup_data,v1.cpu_ids) P(jailhouse_setup_data,v2.flags)
S(ima_setup_data) P(ima_setup_data,addr) P(ima_setup_data,size)
S(efi_setup_data) P(efi_setup_data,fw_vendor) P(efi_setup_data,__unused) P(efi_setup_data,tables) P(efi_setup_data,smbios) P(efi_setup_data,reserved)
S(pci_setup_rom) P(pci_setup_rom,vendor) P(pci_setup_rom,devid) P(pci_setup_rom,pcilen) P(pci_setup_rom,segment) P(pci_setup_rom,bus) P(pci_setup_rom,device) P(pci_setup_rom,function) printf("pci_setup_rom romdata %zu 0\n", offsetof(struct pci_setup_rom, romdata));
S(cc_setup_data) P(cc_setup_data,cc_blob_address)
S(kho_data_) P(kho_data_,fdt_addr) P(kho_data_,fdt_size) P(kho_data_,scratch_addr) P(kho_data_,scratch_size)
  return 0;
}
